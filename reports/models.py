"""Summaries the reports read instead of counting the whole service on every request."""

from django.db import models


class ServiceSummary(models.Model):
    """How many circles, Core Members and shared records are in each state, service-wide.

    The manager's overview counts every row of three large tables; a Celery task
    (``reports.tasks.summary_refresh``, every few minutes) counts them once and stores
    the result here, and the page shows when it was counted. A coordinator's caseload
    is small and always counted live.
    """

    class Kind(models.TextChoices):
        CIRCLES = "circles", "Circles"
        CORE_MEMBERS = "core_members", "Core Members"
        RECORDS = "records", "Shared records"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=30)
    n = models.PositiveIntegerField()
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "status"], name="service_summary_one_per_status"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.status}: {self.n} at {self.counted_at:%Y-%m-%d %H:%M}"
