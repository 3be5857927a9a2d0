from django.contrib import admin

from accounts.admin_base import CosaModelAdmin, NoAddOrChangeAdminMixin
from calendars.models import FeedToken


@admin.register(FeedToken)
class FeedTokenAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    # Made and reset by its own user only; the admin may look, or delete one to revoke it.
    list_display = ("user", "created_at", "last_used_at", "include_venue")
    list_select_related = ("user",)
    # Never the token's digest, as for a check-in's link and an enrolment code.
    exclude = ("token_hash",)
    readonly_fields = ("user", "created_at", "last_used_at")
