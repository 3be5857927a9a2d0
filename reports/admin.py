from django.contrib import admin

from accounts.admin_base import CosaModelAdmin, ReadOnlyAdminMixin

from .models import ServiceSummary


@admin.register(ServiceSummary)
class ServiceSummaryAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Written only by the summary task; the admin shows what the overview reads."""

    list_display = ["kind", "status", "n", "counted_at"]
    list_filter = ["kind"]
