"""The information-sharing records: what the circle passes to the outer circle, to whom,
and each recipient's acknowledgement. Immutable once shared: corrections are addenda."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from circles.models import Circle, Meeting, MeetingNote
from coreMembers.models import CoreMember, LiaisonAssignment
from cosa.services import history_user


class InformationSharingRecordQuerySet(models.QuerySet):
    def shared(self):
        return self.filter(status__in=[self.model.Status.SHARED, self.model.Status.ACKNOWLEDGED])


class InformationSharingRecord(models.Model):
    """A disclosure passed to the outer circle. Immutable once shared: corrections are addenda."""

    class Category(models.TextChoices):
        COMPLIANCE = "COMPLIANCE", "Compliance (licence, SHPO, registration)"
        RISK_BEHAVIOUR = "RISK_BEHAVIOUR", "Risk behaviour"
        CHANGE_OF_CIRCUMSTANCES = "CHANGE_OF_CIRCUMSTANCES", "Change of circumstances"
        WELLBEING = "WELLBEING", "Wellbeing"
        OTHER = "OTHER", "Other"

    class Urgency(models.TextChoices):
        ROUTINE = "ROUTINE", "Routine"
        PRIORITY = "PRIORITY", "Priority"
        URGENT = "URGENT", "Urgent (imminent risk)"

    class LegalBasis(models.TextChoices):
        CONSENT = "CONSENT", "Consent (sharing agreement)"
        PUBLIC_PROTECTION = "PUBLIC_PROTECTION", "Public protection override"

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        AWAITING_APPROVAL = "AWAITING_APPROVAL", "Awaiting second approval"
        SHARED = "SHARED", "Shared"
        ACKNOWLEDGED = "ACKNOWLEDGED", "Acknowledged by all recipients"

    TRANSITIONS = {
        Status.DRAFT: {Status.SHARED, Status.AWAITING_APPROVAL},
        Status.AWAITING_APPROVAL: {Status.SHARED, Status.DRAFT},
        Status.SHARED: {Status.ACKNOWLEDGED},
        Status.ACKNOWLEDGED: set(),
    }

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.PROTECT, related_name="shared_records"
    )
    circle = models.ForeignKey(
        "circles.Circle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shared_records",
    )
    source_meeting = models.ForeignKey(
        "circles.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_concern = models.ForeignKey(
        "circles.Concern", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    addendum_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    summary = models.CharField(max_length=300)
    details = models.TextField()
    legal_basis = models.CharField(
        max_length=20, choices=LegalBasis.choices, default=LegalBasis.CONSENT
    )
    override_reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Moved on by every change to a draft (formpages/versions.py): a save made from a page
    # opened before someone else's save is refused, and shown to be merged.
    version = models.PositiveIntegerField(default=1)

    objects = InformationSharingRecordQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("acknowledge_record", "Acknowledge a shared record")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(legal_basis="PUBLIC_PROTECTION") | ~Q(override_reason=""),
                name="sharing_record_override_has_reason",
                violation_error_message="A public-protection override needs a written reason.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["DRAFT", "AWAITING_APPROVAL"]) | Q(shared_at__isnull=False),
                name="sharing_record_shared_has_time",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="sharing_record_approver_is_second_person",
                violation_error_message="The override must be approved by a second person.",
            ),
        ]

    def __str__(self):
        return f"{self.get_urgency_display()}: {self.summary}"

    @property
    def is_shared(self):
        return self.status in (self.Status.SHARED, self.Status.ACKNOWLEDGED)

    def acknowledge_due_from(self, shared_at):
        """When recipients must acknowledge, by urgency (settings COSA_ACK_DUE_*).

        PRIORITY counts working days (Monday to Friday) in local time and keeps the
        wall-clock time, so a record shared on Friday at 15:00 is due on Tuesday at 15:00.
        """
        if self.urgency == self.Urgency.URGENT:
            return shared_at + datetime.timedelta(hours=settings.COSA_ACK_DUE_URGENT_HOURS)
        if self.urgency == self.Urgency.PRIORITY:
            local = timezone.localtime(shared_at)
            day, counted = local.date(), 0
            while counted < settings.COSA_ACK_DUE_PRIORITY_WORKING_DAYS:
                day += datetime.timedelta(days=1)
                counted += day.weekday() < 5
            return datetime.datetime.combine(day, local.time(), tzinfo=local.tzinfo)
        return shared_at + datetime.timedelta(days=settings.COSA_ACK_DUE_ROUTINE_DAYS)


class RecordRecipientQuerySet(models.QuerySet):
    def waiting(self):
        """Sent, not yet acknowledged, and the liaison can still acknowledge it (active and
        still assigned to the Core Member)."""
        assignment = (
            LiaisonAssignment.objects.open()
            .filter(
                core_member=models.OuterRef("record__core_member"),
                liaison=models.OuterRef("liaison"),
            )
            .annotate(yes=models.Value(True))
            .values("yes")[:1]
        )
        # A scalar lookup per candidate row, not EXISTS: PostgreSQL pulls an EXISTS up
        # into the join search, and with its two outer references it cost 11 of the
        # 14 ms it took to plan the dashboard's overdue list (the run itself is 6 ms).
        still_assigned = Coalesce(
            models.Subquery(assignment, output_field=models.BooleanField()),
            models.Value(False),
        )
        return self.alias(_still_assigned=still_assigned).filter(
            _still_assigned=True,
            record__status__in=["SHARED", "ACKNOWLEDGED"],
            acknowledged_at__isnull=True,
            liaison__is_active=True,
        )

    def overdue(self, now=None):
        """Not acknowledged by the time due for the record's urgency (set when shared)."""
        return self.waiting().filter(acknowledge_due_at__lt=now or timezone.now())

    def for_list(self):
        return self.select_related("record__core_member", "liaison__agency")

    def with_timings(self):
        """For reports: concern raised to record shared, and shared to acknowledged."""
        duration = models.DurationField()
        return self.annotate(
            concern_to_share=models.ExpressionWrapper(
                models.F("record__shared_at") - models.F("record__source_concern__raised_at"),
                output_field=duration,
            ),
            share_to_acknowledge=models.ExpressionWrapper(
                models.F("acknowledged_at") - models.F("record__shared_at"),
                output_field=duration,
            ),
        )


class RecordRecipient(models.Model):
    record = models.ForeignKey(
        InformationSharingRecord, on_delete=models.CASCADE, related_name="recipients"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="received_records"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    # Set when the record is shared, from the urgency (settings COSA_ACK_DUE_*).
    acknowledge_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)

    objects = RecordRecipientQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # Recipients still to acknowledge are under 2% of all: the dashboard's list of
            # late acknowledgements probes this small index per record.
            models.Index(
                fields=["record"],
                condition=Q(acknowledged_at__isnull=True),
                name="recipient_waiting",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "liaison"], name="recipient_unique_per_record"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(response=""),
                name="recipient_acknowledgement_has_response",
                violation_error_message="An acknowledgement needs a response or action taken.",
            ),
        ]

    def __str__(self):
        return f"{self.liaison} for record {self.record_id}"


class InformationSharingRecordUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(InformationSharingRecord, on_delete=models.CASCADE)


class InformationSharingRecordGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(InformationSharingRecord, on_delete=models.CASCADE)


def caseload_for_list(core_members, liaison):
    """A liaison's Core Members, each with what their list shows, in the one query:
    ``viewer_cover_role``, ``circle_status`` (the latest circle's), ``last_attended_at``
    (the start of the last meeting whose submitted minutes record him attending, late
    or not: the date alone, never the minutes) and ``waiting_count`` (records sent to
    this liaison about him still to acknowledge)."""
    latest_circle = Circle.objects.filter(core_member=models.OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    attended = Meeting.objects.filter(
        circle__core_member=models.OuterRef("pk"),
        notes__attendance__in=[MeetingNote.Attendance.YES, MeetingNote.Attendance.LATE],
        notes__status__in=MeetingNote.DONE_STATUSES,
    ).order_by("-starts_at")
    waiting = (
        RecordRecipient.objects.waiting()
        .filter(liaison=liaison, record__core_member=models.OuterRef("pk"))
        .order_by()
        .values("liaison")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    cover = LiaisonAssignment.objects.open().filter(
        liaison=liaison, core_member=models.OuterRef("pk")
    )
    return core_members.annotate(
        viewer_cover_role=models.Subquery(cover.values("role")[:1]),
        circle_status=models.Subquery(latest_circle.values("status")[:1]),
        last_attended_at=models.Subquery(attended.values("starts_at")[:1]),
        waiting_count=Coalesce(models.Subquery(waiting), models.Value(0)),
    ).order_by("reference")
