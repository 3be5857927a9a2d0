from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin, CosaModelAdmin, ReadOnlyAdminMixin

from .models import MeetingReportSummary, ReportTemplate, ServiceSummary


@admin.register(ServiceSummary)
class ServiceSummaryAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Written only by the summary task; the admin shows what the overview reads."""

    list_display = ["kind", "status", "n", "counted_at"]
    list_filter = ["kind"]


@admin.register(MeetingReportSummary)
class MeetingReportSummaryAdmin(ReadOnlyAdminMixin, CosaHistoryAdmin):
    """Written on the report's page; the admin shows it and its history."""

    list_display = ["core_member", "kind", "date_from", "date_to", "written_by", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["core_member", "written_by"]


@admin.register(ReportTemplate)
class ReportTemplateAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Uploaded on the report templates page; the file itself is not shown here."""

    list_display = ["kind", "name", "size", "uploaded_by", "uploaded_at", "retired_at"]
    list_filter = ["kind"]
    list_select_related = ["uploaded_by"]
    exclude = ["content"]
