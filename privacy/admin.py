from django.contrib import admin

from accounts.admin_base import CosaModelAdmin, ReadOnlyAdminMixin

from .models import ErasureLog


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Read-only: the erasure log is append-only proof of what was erased, when and why."""

    list_display = ["reference", "erased_at", "erased_by", "basis", "reason"]
    list_filter = ["basis"]
    search_fields = ["reference"]
