from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin

from .models import OutcomeEvent


@admin.register(OutcomeEvent)
class OutcomeEventAdmin(CosaHistoryAdmin):
    """Recalls and reconvictions: criminal-offence data."""

    list_display = ["core_member", "kind", "offence_type", "occurred_on", "source_agency"]
    list_filter = ["kind", "offence_type"]
    list_select_related = ["core_member", "source_agency"]
    raw_id_fields = ["core_member", "circle", "source_agency", "recorded_by"]
