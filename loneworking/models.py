"""A volunteer alone with a Core Member checks in, and checks out when done.

If they do not check out, or press "I need help", the people covering the circle are
alerted. Each alert step is one ``Alert`` row (unique per check-in and step), so two
sweeps, two workers or a double click raise it once; each person alerted is one
``AlertRecipient`` row whose text message is sent once (``sms_sent_at``).
"""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cosa.services import history_user


def token_digest(raw: str) -> str:
    """The sha256 of a check-in link's token: only this is stored, never the token."""
    return hashlib.sha256(raw.encode()).hexdigest()


class CheckInQuerySet(models.QuerySet):
    def open(self):
        return self.filter(checked_out_at__isnull=True)

    def for_raw(self, raw: str):
        return self.filter(token_hash=token_digest(raw))

    def overdue(self, now, *, after: datetime.timedelta):
        """Open check-ins whose expected end is more than ``after`` ago."""
        return self.open().filter(expected_end_at__lte=now - after)

    def for_list(self):
        return self.select_related("circle").prefetch_related("alerts")


class CheckIn(models.Model):
    class Kind(models.TextChoices):
        ONE_TO_ONE = "ONE_TO_ONE", "One-to-one contact"
        OUTING = "OUTING", "Outing"

    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lone_checkins"
    )
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, related_name="lone_checkins"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    venue = models.CharField("Planned venue", max_length=200)
    expected_end_at = models.DateTimeField("Expected end")
    phone = models.CharField("Your phone number", max_length=30)
    started_at = models.DateTimeField(default=timezone.now)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    # The check-out and help link: its token's digest, and until when it works.
    token_hash = models.CharField(max_length=64, unique=True)
    link_expires_at = models.DateTimeField()

    objects = CheckInQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user, excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The sweep: open check-ins by expected end.
            models.Index(
                fields=["expected_end_at"],
                condition=Q(checked_out_at__isnull=True),
                name="checkin_open_by_end",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(link_expires_at__gt=models.F("expected_end_at")),
                name="checkin_link_outlives_end",
            ),
        ]

    def __str__(self):
        return f"Check-in {self.pk} ({self.get_kind_display()})"

    @property
    def is_open(self):
        return self.checked_out_at is None

    def link_works(self, now=None):
        return (now or timezone.now()) < self.link_expires_at


class Alert(models.Model):
    class Step(models.TextChoices):
        OVERDUE_COVER = "OVERDUE_COVER", "Not checked out: whoever covers the circle"
        OVERDUE_MANAGERS = "OVERDUE_MANAGERS", "Not checked out: escalated to managers"
        HELP = "HELP", "Asked for help"

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="alerts")
    step = models.CharField(max_length=20, choices=Step.choices)
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkin", "step"], name="alert_once_per_step"),
        ]

    def __str__(self):
        return f"{self.get_step_display()} (check-in {self.checkin_id})"


class AlertRecipientQuerySet(models.QuerySet):
    def sms_pending(self):
        return self.filter(sms_wanted=True, sms_sent_at__isnull=True)


class AlertRecipient(models.Model):
    """One person alerted by one alert: their bell entry (with its e-mail) and a text."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lone_alerts"
    )
    sms_to = models.CharField(max_length=30, blank=True)
    sms_wanted = models.BooleanField(default=False)
    sms_claimed_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_attempts = models.PositiveSmallIntegerField(default=0)
    sms_error = models.CharField(max_length=500, blank=True)

    objects = AlertRecipientQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "recipient"], name="alert_recipient_once"),
        ]

    def __str__(self):
        return f"Alert {self.alert_id} to user {self.recipient_id}"
