"""Summaries the reports read instead of counting the whole service on every request."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cosa.services import history_user


class ServiceSummary(models.Model):
    """How many circles, Core Members and shared records are in each state, service-wide,
    and the work waiting across the service and by coordinator (the manager's dashboard).

    The manager's overview counts every row of three large tables; a Celery task
    (``reports.tasks.summary_refresh``, every few minutes) counts them once and stores
    the result here, and the page shows when it was counted. A coordinator's caseload
    is small and always counted live.
    """

    class Kind(models.TextChoices):
        CIRCLES = "circles", "Circles"
        CORE_MEMBERS = "core_members", "Core Members"
        RECORDS = "records", "Shared records"
        # The coordinator's dashboard's lines across the service (status: the line).
        WORKLOAD = "workload", "Work waiting across the service"
        # The same work by coordinator (status: "<coordinator id>:<line>").
        BY_COORDINATOR = "by_coordinator", "Work waiting by coordinator"

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


class MeetingReportKind(models.TextChoices):
    MAPPA = "mappa", "MAPPA meeting preparation report"
    OFFENDER_MANAGER = "om_update", "Offender manager update"


class MeetingReportSummary(models.Model):
    """The coordinator's own words at the top of a meeting report, for one Core Member,
    one kind of report and one period; kept so that the report can be printed again."""

    core_member = models.ForeignKey(
        "core_members.CoreMember", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=MeetingReportKind.choices)
    date_from = models.DateField()
    date_to = models.DateField()
    text = models.TextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # Moved on by every save (formpages/versions.py): a save begun at an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["core_member", "kind", "date_from", "date_to"],
                name="meeting_report_summary_one_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="meeting_report_summary_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} summary {self.date_from}..{self.date_to}"


class ReportTemplate(models.Model):
    """The organisation's own Word template for one kind of report (docxtpl placeholders).

    Uploaded by a manager and untrusted: stored with its external relationships removed,
    rendered in a sandbox with a context that names no volunteer. The newest active one
    of a kind is used; with none, the built-in template.
    """

    class Kind(models.TextChoices):
        MAPPA = MeetingReportKind.MAPPA.value, MeetingReportKind.MAPPA.label
        OFFENDER_MANAGER = (
            MeetingReportKind.OFFENDER_MANAGER.value,
            MeetingReportKind.OFFENDER_MANAGER.label,
        )
        CIRCLE_END = "circle_end", "End-of-circle report"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    stripped_relationships = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["kind", "retired_at"], name="report_template_current")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"
