"""Admin listing of two-factor enrolment codes: who was issued one, by whom, and its state.

Registered from AccountsConfig.ready(). Read-only, and the stored hash is not shown:
codes are issued on the managers' page beside each user (accounts.two_factor).
"""

from django.contrib import admin

from accounts.admin_base import ReadOnlyAdminMixin

from .models import EnrolmentCode


class EnrolmentCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "issued_by", "issued_at", "expires_at", "used_at", "revoked_at"]
    list_select_related = ["user", "issued_by"]
    search_fields = ["user__email", "user__last_name"]
    fields = list_display
    readonly_fields = list_display


if not admin.site.is_registered(EnrolmentCode):
    admin.site.register(EnrolmentCode, EnrolmentCodeAdmin)
