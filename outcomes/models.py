"""Outcomes: a Core Member's recalls and reconvictions, during or after a circle."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from coreMembers.models import CoreMember
from cosa.services import history_user


class OutcomeEvent(models.Model):
    """A recall to prison or a reconviction of a Core Member, during or after a circle.

    The outcome report places each event by the offence date when recorded (a
    reconviction counts where the offence was committed, as proven-reoffending measures
    do), else by ``occurred_on`` (the recall, or the conviction).
    """

    class Kind(models.TextChoices):
        RECALL = "RECALL", "Recall to prison"
        RECONVICTION = "RECONVICTION", "Reconviction"

    class OffenceType(models.TextChoices):
        SEXUAL = "SEXUAL", "Sexual offence"
        VIOLENT = "VIOLENT", "Violent offence (not sexual)"
        OTHER = "OTHER", "Other offence"

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.CASCADE, related_name="outcome_events"
    )
    circle = models.ForeignKey(
        "circles.Circle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_events",
        help_text="The circle it happened during or after, if any.",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    offence_type = models.CharField(
        max_length=7, choices=OffenceType.choices, blank=True, help_text="For a reconviction."
    )
    occurred_on = models.DateField(help_text="The day of the recall, or of the conviction.")
    offence_on = models.DateField(
        null=True, blank=True, help_text="For a reconviction: when the offence was committed."
    )
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="RECALL", offence_type="", offence_on__isnull=True)
                    | Q(kind="RECONVICTION", offence_type__in=["SEXUAL", "VIOLENT", "OTHER"])
                ),
                name="outcome_event_offence_type_matches_kind",
                violation_error_message=(
                    "A reconviction needs an offence type; a recall has no offence type or "
                    "offence date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(offence_on__isnull=True) | Q(offence_on__lte=models.F("occurred_on")),
                name="outcome_event_offence_not_after_event",
                violation_error_message="The offence cannot be after the conviction.",
            ),
            models.UniqueConstraint(
                fields=["core_member", "kind", "occurred_on"],
                name="outcome_event_one_per_kind_and_day",
                violation_error_message="This event is already recorded for that day.",
            ),
        ]

    def __str__(self):
        what = self.get_kind_display()
        if self.offence_type:
            what += f" ({self.get_offence_type_display().lower()})"
        return f"{what} on {self.occurred_on}"

    @property
    def counted_on(self):
        """The date the outcome report places the event by."""
        return self.offence_on or self.occurred_on
