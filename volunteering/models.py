import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cosa.services import history_user


class ExpenseClaimQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("volunteer__user", "circle")

    def awaiting_decision(self):
        return self.filter(status=ExpenseClaim.Status.SUBMITTED)

    def payable(self):
        """Approved and not yet paid: what the next payment run exports."""
        return self.filter(status=ExpenseClaim.Status.APPROVED)


class ExpenseClaim(models.Model):
    """A volunteer's claim: mileage at the organisation's rate, or a receipt."""

    class Kind(models.TextChoices):
        MILEAGE = "MILEAGE", "Mileage"
        RECEIPT = "RECEIPT", "Receipt"

    class Status(models.TextChoices):
        SUBMITTED = "SUBMITTED", "Submitted"
        APPROVED = "APPROVED", "Approved"
        REFUSED = "REFUSED", "Refused"
        PAID = "PAID", "Paid"

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.REFUSED},
        Status.APPROVED: {Status.PAID},
        Status.REFUSED: set(),
        Status.PAID: set(),
    }

    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="expense_claims"
    )
    # The circle the expense was for: its coordinator decides the claim. SET_NULL so that
    # erasing a Core Member's circle leaves the volunteer's claim (managers still see it).
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    incurred_on = models.DateField("date")
    description = models.CharField(max_length=200)
    miles = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    # The rate at submission, kept so a later change of rate does not change the claim.
    pence_per_mile = models.PositiveSmallIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    # Stored under MEDIA_ROOT (outside the web root) and served only through the
    # access-checked download view, as an attachment.
    receipt = models.FileField(upload_to="receipts/%Y/%m/", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ExpenseClaimQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "circle"], name="claim_status_circle")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="claim_amount_positive",
                violation_error_message="The amount must be more than £0.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="MILEAGE") | Q(miles__gt=0, pence_per_mile__isnull=False),
                name="claim_mileage_has_miles",
                violation_error_message="A mileage claim needs the miles driven.",
            ),
            models.CheckConstraint(
                condition=~Q(status="REFUSED") | ~Q(refusal_reason=""),
                name="claim_refusal_has_reason",
                violation_error_message="Refusing a claim needs a reason.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} claim £{self.amount} ({self.incurred_on})"


MAX_PENCE_PER_MILE = 200


class MileageRateQuerySet(models.QuerySet):
    def in_force_on(self, day: datetime.date):
        """The rate in force on ``day``: the latest to take effect on or before it."""
        return self.filter(effective_from__lte=day).order_by("-effective_from").first()

    def for_list(self):
        return self.select_related("set_by")


class MileageRate(models.Model):
    """The organisation's mileage rate from a date on. Rows are never changed: a new
    rate is a new row, so every claim's rate can be traced to the one in force on the
    journey's date (the claim keeps it too, in ``pence_per_mile``)."""

    pence_per_mile = models.PositiveSmallIntegerField("pence per mile")
    effective_from = models.DateField("in force from")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    objects = MileageRateQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="mileage_rate_once_per_day"),
            models.CheckConstraint(
                condition=Q(pence_per_mile__gte=1) & Q(pence_per_mile__lte=MAX_PENCE_PER_MILE),
                name="mileage_rate_in_range",
                violation_error_message="A rate is between 1p and 200p a mile.",
            ),
        ]

    def __str__(self):
        return f"{self.pence_per_mile}p a mile from {self.effective_from}"


def supervision_interval():
    """How often each volunteer is supervised (COSA_SUPERVISION_INTERVAL_WEEKS)."""
    return datetime.timedelta(weeks=settings.COSA_SUPERVISION_INTERVAL_WEEKS)


def mileage_amount(miles: Decimal, pence_per_mile: int) -> Decimal:
    return (Decimal(miles) * pence_per_mile / 100).quantize(Decimal("0.01"))


class SupervisionDebrief(models.Model):
    """A debrief offered to a circle's volunteer after a RED concern, open until held."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="debriefs"
    )
    concern = models.ForeignKey(
        "circles.Concern", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    held_on = models.DateField(null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["offered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "concern"],
                condition=Q(concern__isnull=False),
                name="debrief_once_per_volunteer_and_concern",
            ),
        ]

    def __str__(self):
        return f"Debrief offered {self.offered_at:%Y-%m-%d}"
