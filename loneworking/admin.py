from django.contrib import admin

from accounts.admin_base import CosaModelAdmin, NoAddOrChangeAdminMixin
from loneworking.models import Alert, CheckIn


@admin.register(CheckIn)
class CheckInAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    # Written by the volunteer's check-in only; the admin may look.
    list_display = ("pk", "volunteer", "circle", "kind", "started_at", "checked_out_at")
    list_select_related = ("volunteer", "circle")
    exclude = ("token_hash",)


@admin.register(Alert)
class AlertAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    list_display = ("pk", "checkin", "step", "raised_at")
