from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin_base import CosaHistoryAdmin, NoAddOrChangeAdminMixin
from volunteering.models import ExpenseClaim, MileageRate, SupervisionDebrief


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(NoAddOrChangeAdminMixin, CosaHistoryAdmin):
    # Written by the volunteering services only (decisions, payment, audit); the admin
    # may look. The receipt opens through its guarded, logged download, never a media URL.
    list_display = ("pk", "kind", "incurred_on", "amount", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("volunteer", "circle", "decided_by", "paid_by")
    exclude = ("receipt",)
    readonly_fields = ("receipt_download",)

    @admin.display(description="Receipt")
    def receipt_download(self, claim):
        if not claim.receipt:
            return "-"
        url = reverse("volunteering:claim_receipt", args=[claim.pk])
        return format_html('<a href="{}">Download the receipt</a>', url)


@admin.register(SupervisionDebrief)
class SupervisionDebriefAdmin(NoAddOrChangeAdminMixin, CosaHistoryAdmin):
    list_display = ("pk", "offered_at", "held_on")
    raw_id_fields = ("volunteer", "concern", "circle", "held_by")


@admin.register(MileageRate)
class MileageRateAdmin(NoAddOrChangeAdminMixin, CosaHistoryAdmin):
    # Set on the mileage-rate page only (its service checks the manager and the date).
    list_display = ("effective_from", "pence_per_mile", "set_by", "set_at")
    raw_id_fields = ("set_by",)
