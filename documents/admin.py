"""Documents are filed and read through their record's page (access-checked); the admin
lists them without their files."""

from django.contrib import admin

from documents.models import DBSDecision, Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "document_date", "uploaded_at")
    list_filter = ("category",)
    exclude = ("file",)
    readonly_fields = ("original_name", "size", "sha256", "uploaded_by", "uploaded_at")

    def has_add_permission(self, request):
        return False


@admin.register(DBSDecision)
class DBSDecisionAdmin(admin.ModelAdmin):
    list_display = ("dbs_check", "decision", "decided_at", "scan_uploaded_at", "scan_deleted_at")
    exclude = ("scan",)

    def has_add_permission(self, request):
        return False
