from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin, ReadOnlyAdminMixin

from .models import InformationSharingRecord, RecordRecipient


class RecordRecipientInline(admin.TabularInline):
    model = RecordRecipient
    extra = 0
    can_delete = False
    readonly_fields = ["liaison", "notified_at", "acknowledged_at", "response"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InformationSharingRecord)
class InformationSharingRecordAdmin(ReadOnlyAdminMixin, CosaHistoryAdmin):
    """Read-only: a shared record is immutable, and drafts are written in the app.

    Its history is shown, never reverted: with no change permission for anyone, the
    guard refuses the history form's POST even from a superuser.
    """

    list_display = ["summary", "core_member", "urgency", "status", "shared_at"]
    list_filter = ["status", "urgency", "category", "legal_basis"]
    list_select_related = ["core_member"]
    inlines = [RecordRecipientInline]


@admin.register(RecordRecipient)
class RecordRecipientAdmin(ReadOnlyAdminMixin, CosaHistoryAdmin):
    list_display = ["record", "liaison", "acknowledged_at"]
    list_select_related = ["record", "liaison"]
