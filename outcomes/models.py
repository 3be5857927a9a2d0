"""Outcomes: a Core Member's recalls and reconvictions, during or after a circle, and the
follow-up checks that show a circle was looked at after it ended."""

import datetime

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


class FollowUpCheck(models.Model):
    """A check with the police or probation, 12 or 24 months after the circle's launch,
    of whether the Core Member was recalled or reconvicted.

    Its presence separates "nothing happened" from "never checked": the outcome report
    counts a circle as followed up only when the check for that period is recorded.
    Follow-up is counted from the launch (as the outcome report's cohorts are), so the
    check for ``months`` falls due ``DAYS[months]`` days after ``launched_on``, once the
    circle has ended.
    """

    class Months(models.IntegerChoices):
        TWELVE = 12, "12 months"
        TWENTY_FOUR = 24, "24 months"

    # Days from launch to each follow-up point: the outcome report's cohorts use the same.
    DAYS = {12: 365, 24: 730}

    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, related_name="follow_up_checks"
    )
    months = models.PositiveSmallIntegerField(choices=Months.choices)
    checked_on = models.DateField()
    checked_with = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    nothing_found = models.BooleanField(
        default=False, help_text="No recall and no reconviction found for the period."
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["circle", "months"]
        verbose_name = "follow-up check"
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "months"],
                name="follow_up_one_per_circle_and_period",
                violation_error_message="This follow-up check is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(months__in=[12, 24]),
                name="follow_up_months_12_or_24",
                violation_error_message="Follow-up is at 12 or 24 months.",
            ),
            models.CheckConstraint(
                condition=Q(nothing_found=True) | ~Q(note=""),
                name="follow_up_found_has_note",
                violation_error_message="Say what the check found, or that nothing was found.",
            ),
        ]

    def __str__(self):
        return f"{self.months}-month follow-up of {self.circle.name} ({self.checked_on})"

    @classmethod
    def due_on_for(cls, circle, months):
        """The follow-up point: ``DAYS[months]`` after launch, or None if never launched."""
        if circle.launched_on is None:
            return None
        return circle.launched_on + datetime.timedelta(days=cls.DAYS[months])
