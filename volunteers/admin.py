from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin, NoAddOrChangeAdminMixin

from .models import (
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    Volunteer,
    VolunteerDistrict,
    VolunteerHours,
)


class DBSCheckInline(admin.TabularInline):
    model = DBSCheck
    extra = 0
    readonly_fields = ["recheck_due_on"]


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0


@admin.register(Volunteer)
class VolunteerAdmin(CosaHistoryAdmin):
    list_display = ["user", "status", "applied_on", "started_on", "left_on"]
    list_filter = ["status"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [DBSCheckInline, TrainingInline]


@admin.register(DBSCheck)
class DBSCheckAdmin(CosaHistoryAdmin):
    list_display = [
        "volunteer",
        "certificate_number",
        "issued_on",
        "recheck_due_on",
        "update_service",
    ]
    list_select_related = ["volunteer__user"]
    readonly_fields = ["recheck_due_on"]
    raw_id_fields = ["volunteer"]


@admin.register(Reference)
class ReferenceAdmin(CosaHistoryAdmin):
    list_display = ["volunteer", "referee_name", "requested_on", "received_on", "satisfactory"]
    list_select_related = ["volunteer__user"]
    raw_id_fields = ["volunteer"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(CosaHistoryAdmin):
    list_display = ["volunteer", "course", "completed_on"]
    list_filter = ["course"]
    list_select_related = ["volunteer__user"]
    raw_id_fields = ["volunteer"]


@admin.register(SupervisionSession)
class SupervisionSessionAdmin(CosaHistoryAdmin):
    list_display = ["volunteer", "coordinator", "held_on"]
    list_select_related = ["volunteer__user", "coordinator"]
    raw_id_fields = ["volunteer", "coordinator"]


@admin.register(VolunteerHours)
class VolunteerHoursAdmin(CosaHistoryAdmin):
    list_display = ["volunteer", "worked_on", "kind", "hours"]
    list_filter = ["kind"]
    list_select_related = ["volunteer__user"]
    raw_id_fields = ["volunteer", "circle"]


@admin.register(VolunteerDistrict)
class VolunteerDistrictAdmin(NoAddOrChangeAdminMixin, CosaHistoryAdmin):
    # Written by the matching-profile services only; the admin may look.
    list_display = ("volunteer", "kind", "district")
    list_select_related = ("volunteer__user",)
