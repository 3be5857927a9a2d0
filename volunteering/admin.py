from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from volunteering.models import ExpenseClaim, MileageRate, SupervisionDebrief


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(SimpleHistoryAdmin):
    list_display = ("pk", "kind", "incurred_on", "amount", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("volunteer", "circle", "decided_by", "paid_by")


@admin.register(SupervisionDebrief)
class SupervisionDebriefAdmin(SimpleHistoryAdmin):
    list_display = ("pk", "offered_at", "held_on")
    raw_id_fields = ("volunteer", "concern", "circle", "held_by")


@admin.register(MileageRate)
class MileageRateAdmin(SimpleHistoryAdmin):
    list_display = ("effective_from", "pence_per_mile", "set_by", "set_at")
    raw_id_fields = ("set_by",)
