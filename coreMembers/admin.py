from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin

from .models import (
    CoreMember,
    LiaisonAssignment,
    MappaRecord,
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
