import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, Func, OuterRef, Q, Value
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from circles import bank_holidays
from cosa.services import history_user


class Frequency(models.TextChoices):
    WEEKLY = "WEEKLY", "Weekly"
    FORTNIGHTLY = "FORTNIGHTLY", "Fortnightly"
    MONTHLY = "MONTHLY", "Monthly"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class CircleQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Circle.Status.ENDED)

    def for_list(self):
        return self.select_related("core_member", "coordinator")


class Circle(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "COMMUNITY", "Community"
        THROUGH_THE_GATE = "THROUGH_THE_GATE", "Through the gate"
        YOUNG_PERSON = "YOUNG_PERSON", "Young person"
        ADAPTED = "ADAPTED", "Adapted"

    class Status(models.TextChoices):
        FORMING = "FORMING", "Forming"
        ACTIVE = "ACTIVE", "Active"
        STEP_DOWN = "STEP_DOWN", "Stepping down"
        ENDED = "ENDED", "Ended"

    # Every status but ENDED (an index can use IN where it cannot use <>).
    OPEN_STATUSES = (Status.FORMING, Status.ACTIVE, Status.STEP_DOWN)

    class EndReason(models.TextChoices):
        COMPLETED = "COMPLETED", "Completed"
        WITHDREW = "WITHDREW", "Core Member withdrew"
        RECALLED = "RECALLED", "Recalled to prison"
        RECONVICTED = "RECONVICTED", "Reconvicted"
        OTHER = "OTHER", "Other"

    TRANSITIONS = {
        Status.FORMING: {Status.ACTIVE, Status.ENDED},
        Status.ACTIVE: {Status.STEP_DOWN, Status.ENDED},
        Status.STEP_DOWN: {Status.ACTIVE, Status.ENDED},
        Status.ENDED: set(),
    }

    core_member = models.ForeignKey(
        "core_members.CoreMember", on_delete=models.PROTECT, related_name="circles"
    )
    referral = models.ForeignKey(
        "core_members.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coordinated_circles"
    )
    name = models.CharField(max_length=100, help_text="A neutral name, e.g. 'Thursday circle'.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMMUNITY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    # Meeting pattern, in local (Europe/London) time.
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.THURSDAY)
    meeting_time = models.TimeField(default=datetime.time(18, 30))
    venue = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.WEEKLY)
    duration_minutes = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    pattern_starts_on = models.DateField(
        null=True, blank=True, help_text="First date of the current meeting pattern."
    )
    launched_on = models.DateField(null=True, blank=True)
    planned_end_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # The day the circle entered its current status: "stepping down since" is this date,
    # never the launch. Set by every lifecycle service; backfilled from the history.
    status_changed_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=12, choices=EndReason.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    volunteer_group = models.OneToOneField(
        "auth.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="circle"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Moved on by every edit (formpages/versions.py): a save begun at an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CircleQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("view_briefing", "View the Core Member briefing of this circle")]
        constraints = [
            models.UniqueConstraint(
                fields=["core_member"],
                condition=~Q(status="ENDED"),
                name="circle_one_open_per_core_member",
                violation_error_message="This Core Member already has an open circle.",
            ),
            models.CheckConstraint(
                condition=~Q(status="ENDED") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="circle_ended_has_date_and_reason",
                violation_error_message="An ended circle needs an end date and a reason.",
            ),
            models.CheckConstraint(
                condition=Q(status="FORMING") | Q(status="ENDED") | Q(launched_on__isnull=False),
                name="circle_launched_has_date",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="circle_weekday_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.core_member.reference})"

    @property
    def is_open(self):
        return self.status != self.Status.ENDED

    @property
    def status_since(self):
        """The date the circle entered its current status (ended: the end date)."""
        if self.status == self.Status.ENDED:
            return self.ended_on
        return self.status_changed_on or self.launched_on or timezone.localdate(self.created_at)

    @property
    def length_months(self):
        return 18 if self.kind == self.Kind.THROUGH_THE_GATE else 12

    def planned_end_for(self, launched_on):
        return launched_on + relativedelta(months=self.length_months)


class CircleMembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)

    def with_vetted(self, on=None):
        """Each membership with ``volunteer_vetted``: its volunteer may sit in a circle on
        ``on`` (a current DBS check and the initial training: ``Volunteer.vetted``)."""
        from volunteers.models import Volunteer

        vetted = Volunteer.objects.vetted(on).filter(pk=OuterRef("volunteer_id"))
        return self.annotate(volunteer_vetted=Exists(vetted))


class CircleMembership(models.Model):
    class Role(models.TextChoices):
        VOLUNTEER = "VOLUNTEER", "Volunteer"
        PRIMARY = "PRIMARY", "Primary volunteer"

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VOLUNTEER)
    joined_on = models.DateField(default=datetime.date.today)
    left_on = models.DateField(null=True, blank=True)
    leaving_reason = models.CharField(max_length=300, blank=True)

    objects = CircleMembershipQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["joined_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="membership_one_current_per_volunteer",
                violation_error_message="This volunteer is already in this circle.",
            ),
            models.UniqueConstraint(
                fields=["circle"],
                condition=Q(left_on__isnull=True, role="PRIMARY"),
                name="membership_one_primary_per_circle",
                violation_error_message="This circle already has a primary volunteer.",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message="A volunteer cannot leave before joining.",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} in {self.circle}"

    @property
    def is_primary(self):
        # A membership's role in the circle, not a user's role.
        return self.role == self.Role.PRIMARY


class Covenant(models.Model):
    """The circle agreement, re-agreed (a new version) whenever the frequency changes."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="covenants")
    version = models.PositiveIntegerField()
    goals = models.TextField()
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    agreed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "version"], name="covenant_unique_version"),
        ]

    def __str__(self):
        return f"Covenant v{self.version} of {self.circle.name}"


class FrequencyChangeQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("review", "decided_by").order_by("-decided_at", "-pk")


class FrequencyChange(models.Model):
    """One step of a circle's meeting frequency: from launch, and each step-down after."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="frequency_changes")
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    from_date = models.DateField()
    review = models.ForeignKey(
        "ReviewMilestone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    objects = FrequencyChangeQuerySet.as_manager()

    class Meta:
        ordering = ["from_date", "pk"]

    def __str__(self):
        return f"{self.get_frequency_display()} from {self.from_date}"


# The longest a meeting or contact can last: the forms, the model and the reminder
# sweep's look-back all read it.
MAX_MEETING_MINUTES = 480


class _MinutesInterval(Func):
    """An integer number of minutes as a duration, on PostgreSQL and SQLite."""

    output_field = models.DurationField()

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite keeps durations as integer microseconds.
        return self.as_sql(compiler, connection, template="(%(expressions)s * 60000000)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="make_interval(mins => %(expressions)s)", **extra
        )


def minutes_due_expression(prefix=""):
    """``Meeting.minutes_due_at`` (the meeting's end + COSA_MINUTES_DUE_HOURS) in the
    database, for filters and annotations; ``prefix`` reaches the meeting from another
    model, e.g. ``"meeting__"``. The one place besides the property that says when
    minutes are due."""
    return ExpressionWrapper(
        F(f"{prefix}starts_at")
        + _MinutesInterval(F(f"{prefix}duration_minutes"))
        + Value(datetime.timedelta(hours=settings.COSA_MINUTES_DUE_HOURS)),
        output_field=models.DateTimeField(),
    )


class MeetingQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(status=Meeting.Status.SCHEDULED, starts_at__gte=timezone.now())

    def with_minutes_due_at(self):
        """Annotate ``due_at``: when the minutes are (or were) due."""
        return self.annotate(due_at=minutes_due_expression())

    def minutes_outstanding(self, now=None):
        """Meetings and logged contacts that have begun and still lack submitted
        minutes, annotated with ``due_at``."""
        submitted = MeetingNote.objects.filter(
            meeting=OuterRef("pk"), status__in=MeetingNote.DONE_STATUSES
        )
        return (
            self.filter(
                starts_at__lte=now or timezone.now(),
                status__in=[Meeting.Status.SCHEDULED, Meeting.Status.HELD],
            )
            .exclude(Exists(submitted))
            .with_minutes_due_at()
        )


class Meeting(models.Model):
    class Kind(models.TextChoices):
        GROUP = "GROUP", "Group meeting"
        ONE_TO_ONE = "ONE_TO_ONE", "One-to-one contact"
        PHONE = "PHONE", "Phone contact"
        EMERGENCY = "EMERGENCY", "Emergency meeting"
        REVIEW = "REVIEW", "Review meeting"

    class Status(models.TextChoices):
        SCHEDULED = "SCHEDULED", "Scheduled"
        HELD = "HELD", "Held"
        CANCELLED = "CANCELLED", "Cancelled"
        MISSED = "MISSED", "Missed"

    TRANSITIONS = {
        Status.SCHEDULED: {Status.HELD, Status.CANCELLED, Status.MISSED},
        Status.HELD: set(),
        Status.CANCELLED: {Status.SCHEDULED},
        Status.MISSED: set(),
    }

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(help_text="Stored in UTC, shown in Europe/London.")
    duration_minutes = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(5), MaxValueValidator(MAX_MEETING_MINUTES)]
    )
    venue = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.GROUP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A moved meeting keeps the slot it was generated for, so generation does not bring
    # that slot back; the first start of a meeting moved twice is kept.
    moved_from = models.DateTimeField(null=True, blank=True)
    moved_reason = models.CharField(max_length=300, blank=True)
    moved_at = models.DateTimeField(null=True, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Meetings of the whole circle, which the circle's volunteers are reminded of; a
    # one-to-one or phone contact is logged afterwards by the volunteer who had it.
    CIRCLE_KINDS = (Kind.GROUP, Kind.REVIEW, Kind.EMERGENCY)

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "starts_at", "kind"],
                name="meeting_unique_slot_per_circle",
                violation_error_message=(
                    "A meeting or contact of this kind is already recorded for this circle "
                    "at that time."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="CANCELLED") | ~Q(cancelled_reason=""),
                name="meeting_cancelled_has_reason",
                violation_error_message="A cancelled meeting needs a reason.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="meeting_status_starts"),
            # The dashboard's emergency requests: a handful among a service's meetings
            # (across the service the scan by date read every future meeting: 73 ms).
            models.Index(
                fields=["starts_at"],
                condition=models.Q(kind="EMERGENCY", status="SCHEDULED"),
                name="meeting_emergency_requests",
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.get_kind_display()} {local:%a %d %b %Y %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def bank_holiday(self):
        """The bank holiday's name when the meeting falls on one (local date), else None."""
        return bank_holidays.holiday_name(timezone.localdate(self.starts_at))

    @property
    def minutes_due_at(self):
        return self.ends_at + datetime.timedelta(hours=settings.COSA_MINUTES_DUE_HOURS)


# The dynamic-risk indicators (DESIGN §3), each rated 0–3.
RISK_FIELDS = (
    "risk_mood",
    "risk_isolation",
    "risk_relationships",
    "risk_sexual_preoccupation",
    "risk_emotional_regulation",
    "risk_substance_use",
    "risk_compliance",
)


def _risk_field(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(3)],
        help_text="0 none, 1 some, 2 marked, 3 serious concern.",
    )


class MeetingNote(models.Model):
    """The minutes of one meeting. Editable by its author until reviewed; history kept."""

    class Attendance(models.TextChoices):
        YES = "YES", "Attended"
        LATE = "LATE", "Attended late"
        NO = "NO", "Did not attend"

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        SUBMITTED = "SUBMITTED", "Submitted"
        REVIEWED = "REVIEWED", "Reviewed"

    # Minutes that reached the coordinator: a draft is still owed.
    DONE_STATUSES = (Status.SUBMITTED, Status.REVIEWED)

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.REVIEWED},
        Status.REVIEWED: set(),
    }
    RISK_FIELDS = RISK_FIELDS

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="notes")
    # The meeting's circle, copied when the minutes are created (a meeting never moves to
    # another circle): a caseload's review queue is then one probe per circle of a small
    # index, not every submitted note in the service joined to the caseload's meetings.
    circle = models.ForeignKey(
        Circle, on_delete=models.PROTECT, related_name="meeting_notes", editable=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_notes"
    )
    attendance = models.CharField(max_length=4, choices=Attendance.choices)
    absence_reason = models.CharField(max_length=300, blank=True)
    volunteers_present = models.ManyToManyField(
        "volunteers.Volunteer", related_name="+", blank=True
    )
    duration_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MEETING_MINUTES)],
    )
    summary = models.TextField()
    risk_mood = _risk_field("low mood")
    risk_isolation = _risk_field("isolation")
    risk_relationships = _risk_field("relationship difficulties")
    risk_sexual_preoccupation = _risk_field("sexual preoccupation")
    risk_emotional_regulation = _risk_field("poor emotional regulation")
    risk_substance_use = _risk_field("substance use")
    risk_compliance = _risk_field("non-compliance")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    # Moved on by every edit (formpages/versions.py): a save begun at an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[volunteers_present], get_user=history_user)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Minutes waiting for review are about 1% of all minutes: the coordinator's
            # review queue probes this small index per meeting instead of every note.
            models.Index(
                fields=["meeting"], condition=Q(status="SUBMITTED"), name="meeting_note_to_review"
            ),
            # A caseload's review queue, oldest first: the circles' ids probe this index.
            models.Index(
                fields=["circle", "submitted_at"],
                condition=Q(status="SUBMITTED"),
                name="meeting_note_review_queue",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["meeting"], name="meeting_note_one_per_meeting"),
            models.CheckConstraint(
                condition=~Q(attendance="NO") | ~Q(absence_reason=""),
                name="meeting_note_absence_has_reason",
                violation_error_message="Say why the Core Member did not attend.",
            ),
            models.CheckConstraint(
                condition=Q(status="DRAFT") | Q(submitted_at__isnull=False),
                name="meeting_note_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="REVIEWED")
                | (Q(reviewed_at__isnull=False) & Q(reviewed_by__isnull=False)),
                name="meeting_note_reviewed_has_reviewer",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": 3}),
                    name=f"meeting_note_{name}_0_to_3",
                )
                for name in RISK_FIELDS
            ],
        ]

    def __str__(self):
        return f"Minutes of {self.meeting}"

    def save(self, *args, **kwargs):
        # The circle is the meeting's: set here when the minutes are created, so no way
        # of creating them (a service, a factory) can leave it out. Neither the minutes'
        # meeting nor a meeting's circle ever changes afterwards.
        if self.circle_id is None and self.meeting_id is not None:
            self.circle_id = self.meeting.circle_id
        super().save(*args, **kwargs)

    @property
    def is_editable(self):
        return self.status != self.Status.REVIEWED


class MeetingObservation(models.Model):
    """Another volunteer's own observation added to the minutes."""

    note = models.ForeignKey(MeetingNote, on_delete=models.CASCADE, related_name="observations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Observation by {self.author}"


class Concern(models.Model):
    class Category(models.TextChoices):
        RISK_BEHAVIOUR = "RISK_BEHAVIOUR", "Risk behaviour"
        COMPLIANCE = "COMPLIANCE", "Licence, SHPO or registration compliance"
        WELLBEING = "WELLBEING", "Wellbeing or self-harm"
        CHANGE_OF_CIRCUMSTANCES = "CHANGE_OF_CIRCUMSTANCES", "Change of circumstances"
        OTHER = "OTHER", "Other"

    class Severity(models.TextChoices):
        AMBER = "AMBER", "Amber"
        RED = "RED", "Red"

    class Status(models.TextChoices):
        RAISED = "RAISED", "Raised"
        TRIAGED = "TRIAGED", "Triaged"
        SHARED = "SHARED", "Shared with the outer circle"
        CLOSED = "CLOSED", "Closed"

    TRANSITIONS = {
        Status.RAISED: {Status.TRIAGED, Status.CLOSED},
        Status.TRIAGED: {Status.SHARED, Status.CLOSED},
        Status.SHARED: set(),
        Status.CLOSED: set(),
    }

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="concerns")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="raised_concerns"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    category = models.CharField(max_length=30, choices=Category.choices)
    severity = models.CharField(max_length=5, choices=Severity.choices)
    imminent_risk = models.BooleanField(default=False)
    description = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RAISED)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_notes = models.TextField(blank=True)
    closed_reason = models.TextField(blank=True)
    shared_record = models.ForeignKey(
        "sharing.InformationSharingRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="CLOSED") | ~Q(closed_reason=""),
                name="concern_closed_has_reason",
                violation_error_message="Closing a concern needs a reason.",
            ),
            models.CheckConstraint(
                condition=~Q(status="SHARED") | Q(shared_record__isnull=False),
                name="concern_shared_has_record",
            ),
        ]
        indexes = [
            # In the dashboard's order (most urgent first), so its first few are read
            # straight off the index: across the service, sorting every raised concern
            # joined to its circle took 8 ms.
            models.Index(
                fields=["status", "-severity", "-imminent_risk", "raised_at", "id"],
                name="concern_triage_order",
            )
        ]

    def __str__(self):
        return f"{self.get_severity_display()} concern ({self.get_category_display()})"

    @property
    def needs_immediate_attention(self):
        return self.severity == self.Severity.RED or self.imminent_risk


class ReviewMilestone(models.Model):
    class Kind(models.TextChoices):
        MONTH_3 = "M3", "3-month review"
        MONTH_6 = "M6", "6-month review"
        MONTH_9 = "M9", "9-month review"
        MONTH_12 = "M12", "12-month review"
        MONTH_15 = "M15", "15-month review"
        MONTH_18 = "M18", "18-month review"
        END = "END", "End-of-circle review"

    class Decision(models.TextChoices):
        CONTINUE = "CONTINUE", "Continue"
        STEP_DOWN = "STEP_DOWN", "Step down"
        END = "END", "End the circle"

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    # Set when the circle ended before this review was held: it will never be due again.
    cancelled_on = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    attendees = models.TextField(blank=True)
    progress_notes = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "kind"], name="milestone_unique_kind_per_circle"
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | ~Q(decision=""),
                name="milestone_completed_has_decision",
                violation_error_message="A completed review needs a decision.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} due {self.due_on}"

    @property
    def is_outstanding(self):
        return self.completed_on is None and self.cancelled_on is None


# Direct-foreign-key guardian permission tables (DESIGN §4).
class CircleUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Circle, on_delete=models.CASCADE)


class CircleGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Circle, on_delete=models.CASCADE)


# Reminders (DESIGN §5) -----------------------------------------------------------------


class ReminderQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at__isnull=True)

    def due(self, now=None):
        return self.unsent().filter(due_at__lte=now or timezone.now())

    def failing(self):
        """Tried at least once and still not sent."""
        return self.unsent().filter(attempts__gt=0)


class Reminder(models.Model):
    """One alert owed to one person about one object, at most once per period.

    Due work lives here, not in the broker: the sweep creates rows for what has
    come due, claims them and enqueues a send for each. The unique key (kind,
    object, recipient, period) makes a duplicated sweep or task harmless.
    ``period`` names the occasion: the stage of an escalation (``48h``), or the
    date the reminder is about (a meeting's start, a DBS recheck date).
    """

    class Kind(models.TextChoices):
        MEETING = "MEETING", "Meeting reminder"
        MINUTES_OVERDUE = "MINUTES_OVERDUE", "Minutes overdue"
        REVIEW_DUE = "REVIEW_DUE", "Review milestone"
        RECORD_UNACKNOWLEDGED = "RECORD_UNACK", "Shared record not acknowledged"
        CONCERN_UNTRIAGED = "CONCERN_UNTRIAGED", "Red concern not triaged"
        DBS_RECHECK = "DBS_RECHECK", "DBS recheck due"
        SUPERVISION_DUE = "SUPERVISION_DUE", "Volunteer supervision due"

    # What ``object_id`` points at, for each kind.
    KIND_MODELS = {
        Kind.MEETING: "circles.Meeting",
        Kind.MINUTES_OVERDUE: "circles.Meeting",
        Kind.REVIEW_DUE: "circles.ReviewMilestone",
        Kind.RECORD_UNACKNOWLEDGED: "sharing.RecordRecipient",
        Kind.CONCERN_UNTRIAGED: "circles.Concern",
        Kind.DBS_RECHECK: "volunteers.DBSCheck",
        # Registered by the volunteering app (its reminders module).
        Kind.SUPERVISION_DUE: "volunteers.Volunteer",
    }

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    period = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The claim's lease: until then no sweep enqueues the row again. Long while the send
    # waits in the queue, short once a worker has started it (the worker renews it).
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was sent, or found no longer needed."
    )
    skipped_reason = models.CharField(
        max_length=200, blank=True, help_text="Set when nothing was sent: no longer due."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "recipient", "period"], name="reminder_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(skipped_reason="") | Q(sent_at__isnull=False),
                name="reminder_skipped_is_done",
            ),
        ]
        indexes = [
            # The sweep's claim and the operations page's backlog: unsent rows by due time.
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent_due"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.object_id} to {self.recipient_id} ({self.period})"


class SweepRun(models.Model):
    """One run of the reminder sweep: the operations page's heartbeat."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0, help_text="Reminders newly due.")
    enqueued = models.PositiveIntegerField(default=0, help_text="Sends claimed and enqueued.")
    queries = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"Sweep at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


# Safeguarding: cover, the out-of-hours rota, the action log, contacts ------------------


class CoverQuerySet(models.QuerySet):
    def live(self):
        """Not ended early (by hand, or because someone in it was deactivated)."""
        return self.filter(ended_at__isnull=True)

    def active_on(self, day):
        return self.live().filter(starts_on__lte=day, ends_on__gte=day)

    def for_list(self):
        return self.select_related("coordinator", "deputy", "created_by")

    def overlapping(self, starts_on, ends_on):
        """Live cover sharing a day with ``starts_on``–``ends_on``."""
        return self.live().filter(starts_on__lte=ends_on, ends_on__gte=starts_on)


class Cover(models.Model):
    """A named deputy covers a coordinator's circles for some dates (holiday, sickness).

    While active the deputy holds the coordinator's circle permissions (given and taken
    back by ``circles.cover``); ``started_at`` says the grants were given, ``ended_at``
    that they were taken back (or the cover was cancelled before it started).
    """

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="covers_given"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="covers_taken"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # An edit carries the version it began at: two people moving the same dates do
    # not overwrite each other silently.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CoverQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="cover_ends_after_start",
                violation_error_message="Cover ends on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(deputy=F("coordinator")),
                name="cover_deputy_is_someone_else",
                violation_error_message="A coordinator cannot cover themselves.",
            ),
        ]

    def __str__(self):
        return f"Cover for {self.coordinator} by {self.deputy} ({self.starts_on}–{self.ends_on})"

    def is_active_on(self, day):
        return self.ended_at is None and self.starts_on <= day <= self.ends_on

    # Said by the edit page instead of its form, and by the service that refuses the edit.
    CLOSED_TEXT = "This cover has ended: arrange new cover instead."

    def is_closed(self, now=None):
        """Ended cover no longer changes: new dates are new cover."""
        return self.ended_at is not None


class OnCallShiftQuerySet(models.QuerySet):
    def live(self):
        return self.filter(ended_at__isnull=True)

    def at(self, moment):
        return self.live().filter(starts_at__lte=moment, ends_at__gt=moment)

    def for_list(self):
        return self.select_related("staff")

    def overlapping(self, starts_at, ends_at):
        """Live shifts sharing some moment with ``starts_at``–``ends_at``."""
        return self.live().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class OnCallShift(models.Model):
    """One out-of-hours shift (an evening, a weekend) of the on-call rota."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="on_call_shifts"
    )
    phone = models.CharField(max_length=30)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OnCallShiftQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="on_call_shift_ends_after_start",
                violation_error_message="A shift ends after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="on_call_shift_span")]

    def __str__(self):
        return f"On call: {self.staff} from {self.starts_at:%Y-%m-%d %H:%M}"

    CLOSED_TEXT = "That shift is already over: add a new one instead."

    def is_closed(self, now=None):
        """A shift that was ended, or whose time has passed, no longer changes."""
        return self.ended_at is not None or self.ends_at <= (now or timezone.now())


class ConcernAction(models.Model):
    """What was done about a concern: who was called, when, and what came of it.

    Append-only: no service edits or deletes a row (erasure removes it with its concern).
    """

    class Kind(models.TextChoices):
        OFFENDER_MANAGER = "OFFENDER_MANAGER", "Called the offender manager"
        POLICE = "POLICE", "Called the police"
        EMERGENCY = "EMERGENCY", "Called 999"
        OUT_OF_HOURS = "OUT_OF_HOURS", "Called out-of-hours"
        OTHER = "OTHER", "Other"

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    acted_at = models.DateTimeField()
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acted_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.acted_at:%Y-%m-%d %H:%M}"


class SafeguardingContactQuerySet(models.QuerySet):
    def for_core_member(self, core_member_id):
        """The Core Member's own contacts and the service-wide ones (a duty desk)."""
        return self.filter(Q(core_member_id=core_member_id) | Q(core_member__isnull=True))


class SafeguardingContact(models.Model):
    """Someone to call who is not a user: a police duty desk, a hostel's night manager."""

    core_member = models.ForeignKey(
        "core_members.CoreMember",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="safeguarding_contacts",
        help_text="Empty for a contact for every Core Member (a duty desk).",
    )
    name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SafeguardingContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name
