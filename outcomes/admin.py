from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin

from .models import FollowUpCheck, OutcomeEvent


@admin.register(OutcomeEvent)
class OutcomeEventAdmin(CosaHistoryAdmin):
    """Recalls and reconvictions: criminal-offence data."""

    list_display = ["core_member", "kind", "offence_type", "occurred_on", "source_agency"]
    list_filter = ["kind", "offence_type"]
    list_select_related = ["core_member", "source_agency"]
    raw_id_fields = ["core_member", "circle", "source_agency", "recorded_by"]


@admin.register(FollowUpCheck)
class FollowUpCheckAdmin(CosaHistoryAdmin):
    """Read-only for managers like the rest: checks are recorded on the circle's pages."""

    list_display = ["circle", "months", "checked_on", "checked_with", "nothing_found"]
    list_filter = ["months", "nothing_found"]
    list_select_related = ["circle__core_member", "checked_with"]
    raw_id_fields = ["circle", "checked_with", "recorded_by"]
