from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin, CosaModelAdmin, ReadOnlyAdminMixin

from .models import (
    CoreMember,
    ErasureLog,
    InformationSharingRecord,
    LiaisonAssignment,
    MappaRecord,
    OutcomeEvent,
    RecordRecipient,
    Referral,
    ReferralDocument,
    RiskAssessment,
    SharingAgreement,
)


@admin.register(CoreMember)
class CoreMemberAdmin(CosaHistoryAdmin):
    list_display = ["reference", "first_name", "last_name", "status", "coordinator", "mappa_level"]
    list_filter = ["status", "mappa_category", "mappa_level"]
    search_fields = ["reference", "first_name", "last_name"]
    list_select_related = ["coordinator"]
    raw_id_fields = ["coordinator"]
    # Grants and MAPPA history are kept by services; the admin cannot bypass them.
    readonly_fields = ["status", "coordinator", "mappa_category", "mappa_level"]


@admin.register(MappaRecord)
class MappaRecordAdmin(CosaHistoryAdmin):
    list_display = ["core_member", "category", "level", "effective_from"]
    list_select_related = ["core_member"]
    raw_id_fields = ["core_member", "recorded_by"]


class ReferralDocumentInline(admin.TabularInline):
    model = ReferralDocument
    extra = 0
    raw_id_fields = ["uploaded_by"]


@admin.register(Referral)
class ReferralAdmin(CosaHistoryAdmin):
    list_display = ["core_member", "source_agency", "received_on", "status", "coordinator"]
    list_filter = ["status"]
    list_select_related = ["core_member", "source_agency", "coordinator"]
    raw_id_fields = ["core_member", "coordinator", "decided_by", "created_by"]
    readonly_fields = ["status", "decided_at", "decided_by"]
    inlines = [ReferralDocumentInline]


@admin.register(ReferralDocument)
class ReferralDocumentAdmin(CosaHistoryAdmin):
    list_display = ["title", "referral", "uploaded_at"]
    raw_id_fields = ["referral", "uploaded_by"]


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(CosaHistoryAdmin):
    list_display = ["core_member", "tool", "band", "assessed_on"]
    list_filter = ["tool", "band"]
    list_select_related = ["core_member"]
    raw_id_fields = ["core_member", "recorded_by"]


@admin.register(SharingAgreement)
class SharingAgreementAdmin(CosaHistoryAdmin):
    list_display = ["core_member", "version", "signed_on", "expires_on", "withdrawn_on"]
    list_select_related = ["core_member"]
    raw_id_fields = ["core_member", "recorded_by"]


@admin.register(LiaisonAssignment)
class LiaisonAssignmentAdmin(CosaHistoryAdmin):
    list_display = ["core_member", "liaison", "role", "started_on", "ended_on"]
    list_select_related = ["core_member", "liaison"]
    raw_id_fields = ["core_member", "liaison"]
    # Assigning and ending go through services, which grant and revoke access.
    readonly_fields = ["core_member", "liaison", "started_on", "ended_on"]

    def has_add_permission(self, request):
        return False


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


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyAdminMixin, CosaModelAdmin):
    """Read-only: the erasure log is append-only proof of what was erased, when and why."""

    list_display = ["reference", "erased_at", "erased_by", "basis", "reason"]
    list_filter = ["basis"]
    search_fields = ["reference"]


@admin.register(OutcomeEvent)
class OutcomeEventAdmin(CosaHistoryAdmin):
    """Recalls and reconvictions: criminal-offence data."""

    list_display = ["core_member", "kind", "offence_type", "occurred_on", "source_agency"]
    list_filter = ["kind", "offence_type"]
    list_select_related = ["core_member", "source_agency"]
    raw_id_fields = ["core_member", "circle", "source_agency", "recorded_by"]
