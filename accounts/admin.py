from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_base import (
    CosaHistoryAdmin,
    CosaModelAdmin,
    NoAddOrChangeAdminMixin,
    ReadOnlyAdminMixin,
)

from .models import AccessLog, Agency, EnrolmentCode, Notification, ThrottleEvent, User


@admin.register(Agency)
class AgencyAdmin(CosaHistoryAdmin):
    access_logged = False  # an organisation, not a person
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, CosaHistoryAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "role", "agency", "is_active"]
    list_select_related = ["agency"]
    list_filter = ["role", "is_active", "agency"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "phone", "role", "agency"]}),
        ("Status", {"fields": ["is_active", "deactivated_at", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "agency",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined", "deactivated_at"]
    filter_horizontal = []


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Read-only: the access log cannot be changed or deleted, even by a manager."""

    # Looking through the log is not logged: a row per look would bury the entries
    # under review, and the log holds ids and paths, not the records themselves.
    access_logged = False

    list_display = ["at", "user", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    list_select_related = ["user"]
    search_fields = ["user__email", "object_id", "path"]
    date_hierarchy = "at"


# Two-factor devices: a manager may see who has which kind and remove one (a lost
# phone), never the secret key or a QR code that would let them copy it.

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class TwoFactorDeviceAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    access_logged = False  # whether a device exists, never its secret
    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "user__last_name"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = fields


admin.site.register(TOTPDevice, TwoFactorDeviceAdmin)
admin.site.register(StaticDevice, TwoFactorDeviceAdmin)


# --- Notifications ----------------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    """Read-only: notifications are written by accounts.notifications.notify()."""

    list_display = ["created_at", "recipient", "subject", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "email_wanted"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "subject"]
    date_hierarchy = "created_at"


# --- Login and password-reset throttling ----------------------------------------------


@admin.register(ThrottleEvent)
class ThrottleEventAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Read-only: the counts behind the lockout (accounts/throttle.py) are its own."""

    access_logged = False  # addresses that tried to log in, not case data

    list_display = ["created_at", "kind", "account", "ip_address", "managers_alerted"]
    list_filter = ["kind", "managers_alerted"]
    search_fields = ["account"]
    date_hierarchy = "created_at"


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Who was issued a two-factor enrolment code, by whom, and its state; never the
    stored hash. Codes are issued on the managers' page beside each user."""

    list_display = ["user", "issued_by", "issued_at", "expires_at", "used_at", "revoked_at"]
    list_select_related = ["user", "issued_by"]
    search_fields = ["user__email", "user__last_name"]
    fields = list_display
    readonly_fields = list_display
