"""The figures behind every report: aggregate queries over one user's caseload.

Each report is a list of ``Table``s. Every figure is counted, summed or ranked
in the database, so the number of queries of a report does not depend on the
number of circles, meetings or people (pinned by the tests). A coordinator's
caseload is what they are granted (circles and Core Members); a manager sees the
whole service or one coordinator's caseload.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from circles.access import circles_visible_to
from circles.models import Circle, CircleMembership, Concern, Meeting, MeetingNote
from coreMembers.access import FULL, core_members_visible_to
from coreMembers.models import CoreMember, MappaCategory, MappaLevel, MappaRecord, Referral
from outcomes.models import FollowUpCheck, OutcomeEvent
from sharing.models import InformationSharingRecord, RecordRecipient
from volunteering.models import ExpenseClaim
from volunteers.models import DBSCheck, Volunteer, VolunteerHours

DBS_DUE_WITHIN_DAYS = 60
# Follow-up windows counted from the circle's launch, in days (12 and 24 months); the
# follow-up checks fall due at the same points.
FOLLOW_UP_DAYS = FollowUpCheck.DAYS


# Period and scope ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in Europe/London."""

    start: datetime.date
    end: datetime.date

    @property
    def start_at(self):
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_before(self):
        """The first moment after the period (midnight starting the day after ``end``)."""
        day_after = self.end + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))

    @property
    def label(self):
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    @classmethod
    def default(cls, today=None):
        """The last twelve months, today included."""
        today = today or timezone.localdate()
        return cls(today - relativedelta(years=1) + datetime.timedelta(days=1), today)


def financial_quarter(year, quarter):
    """UK financial-year quarter: 2026 Q1 is April to June 2026, Q4 is January to March 2027."""
    first_month = 4 + 3 * (quarter - 1)
    start = datetime.date(year + (first_month - 1) // 12, (first_month - 1) % 12 + 1, 1)
    return Period(start, start + relativedelta(months=3) - datetime.timedelta(days=1))


def quarter_containing(day):
    year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return year, quarter


def recent_quarters(today=None, count=8):
    """(year, quarter) of the last ``count`` complete financial quarters, newest first."""
    today = today or timezone.localdate()
    year, quarter = quarter_containing(today)
    quarters = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        quarters.append((year, quarter))
    return quarters


@dataclass(frozen=True)
class Scope:
    """Whose numbers: the whole service, one coordinator's caseload, or one circle."""

    circles: object  # QuerySet of Circle
    core_members: object  # QuerySet of CoreMember
    whole_service: bool = False
    circle: Circle | None = None

    @classmethod
    def for_user(cls, user, coordinator=None):
        """A coordinator always gets their own caseload; a manager may pick a coordinator."""
        if user.is_manager:
            if coordinator is None:
                return cls(Circle.objects.all(), CoreMember.objects.all(), whole_service=True)
            return cls(
                Circle.objects.filter(coordinator=coordinator),
                CoreMember.objects.filter(coordinator=coordinator),
            )
        if user.is_coordinator:
            return cls(circles_visible_to(user), core_members_visible_to(user, FULL))
        raise PermissionDenied("Reports are for coordinators and managers.")

    @classmethod
    def for_circle(cls, circle):
        return cls(
            Circle.objects.filter(pk=circle.pk),
            CoreMember.objects.filter(pk=circle.core_member_id),
            circle=circle,
        )

    def by_circle(self, queryset, field="circle"):
        if self.whole_service:
            return queryset
        return queryset.filter(**{f"{field}__in": self.circles.values("pk")})

    def by_core_member(self, queryset, field="core_member"):
        if self.whole_service:
            return queryset
        return queryset.filter(**{f"{field}__in": self.core_members.values("pk")})

    def records(self):
        records = InformationSharingRecord.objects.all()
        if self.circle is not None:
            return records.filter(circle=self.circle)
        return self.by_core_member(records)

    def volunteers(self, period):
        """The whole pool for the whole service; otherwise the circles' volunteers in the period."""
        if self.whole_service:
            return Volunteer.objects.all()
        memberships = CircleMembership.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gte=period.start),
            volunteer=OuterRef("pk"),
            circle__in=self.circles.values("pk"),
            joined_on__lte=period.end,
        )
        return Volunteer.objects.filter(Exists(memberships))


# Tables ------------------------------------------------------------------------------------


@dataclass
class Table:
    """One report table: a first column of labels, then figures; maybe a total row.

    ``kind`` says how the anonymised return treats it: ``counts`` (every number
    is a count of people or events; the rows partition the total), ``figures``
    (a derived value in column 1 and the count it rests on in column 2),
    ``hours`` (sums of hours) or ``follow-up`` (cohort counts beside text).
    ``chart`` is the column drawn as bars, or None for no chart.
    """

    slug: str
    title: str
    columns: list
    rows: list
    total: list | None = None
    chart: int | None = 1
    kind: str = "counts"
    note: str = ""

    def all_rows(self):
        return [*self.rows, self.total] if self.total else list(self.rows)

    def bars(self):
        """Geometry of a horizontal bar chart of column ``chart`` (SVG user units)."""
        if self.chart is None:
            return []
        values = [_number(row[self.chart]) for row in self.rows]
        peak = max(values, default=0) or 1
        return [
            {
                "label": str(row[0]),
                "value": row[self.chart],
                "y": index * BAR_PITCH,
                "text_y": index * BAR_PITCH + BAR_HEIGHT - 6,
                "width": round(BAR_AREA * value / peak, 1),
                "value_x": BAR_LEFT + round(BAR_AREA * value / peak, 1) + 6,
            }
            for index, (row, value) in enumerate(zip(self.rows, values, strict=True))
        ]

    @property
    def chart_height(self):
        return max(len(self.rows), 1) * BAR_PITCH


BAR_PITCH = 30
BAR_HEIGHT = 22
BAR_LEFT = 190
BAR_AREA = 230


def _number(value):
    return float(value) if isinstance(value, (int, float, Decimal)) else 0.0


@dataclass
class Report:
    slug: str
    title: str
    tables: list = field(default_factory=list)

    def table(self, slug):
        return next((table for table in self.tables if table.slug == slug), None)


def percent(part, whole):
    return None if not whole else round(100 * Decimal(part) / Decimal(whole), 1)


def _total(rows, first="Total"):
    width = len(rows[0]) if rows else 2
    return [first, *(sum(row[i] or 0 for row in rows) for i in range(1, width))]


def _counts_by(queryset, field_name, choices):
    """{value: count} for every choice (zero when absent) in one GROUP BY query."""
    found = dict(
        queryset.order_by()
        .values_list(field_name)
        .annotate(n=Count("pk"))
        .values_list(field_name, "n")
    )
    return {value: found.get(value, 0) for value, _ in choices}


def median(queryset, expression):
    """(median, n) of ``expression`` over the rows, both worked out in the database.

    One COUNT, then the middle one or two values by ORDER BY with OFFSET: two
    queries whatever the number of rows, and no row is loaded into Python but
    the middle ones.
    """
    values = (
        queryset.annotate(median_value=expression)
        .filter(median_value__isnull=False)
        .order_by("median_value")
    )
    n = values.count()
    if n == 0:
        return None, 0
    middle = list(values.values_list("median_value", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return (middle[0] + middle[-1]) / 2, n


def _hours(delta):
    return None if delta is None else round(Decimal(delta.total_seconds()) / 3600, 1)


def _days(delta):
    return None if delta is None else round(Decimal(delta.total_seconds()) / 86400, 1)


def _between(first, then):
    return ExpressionWrapper(F(then) - F(first), output_field=DurationField())


# Caseload ----------------------------------------------------------------------------------


def circles_in_period(scope, period):
    """Circles open at some time in the period: formed before its end, not ended before it."""
    return scope.circles.filter(created_at__lt=period.end_before).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)
    )


def mappa_counts(scope, period):
    """{(category, level): n} of the Core Members of the period's circles (None: not recorded).

    Category and level as they stood on the last day of the period, from the dated
    MAPPA history; a Core Member with no history counts with the fields on the record.
    """
    core_members = scope.core_members.filter(
        pk__in=circles_in_period(scope, period).values("core_member")
    )
    then = MappaRecord.objects.filter(
        core_member=OuterRef("pk"), effective_from__lte=period.end
    ).order_by("-effective_from", "-recorded_at")
    has_history = Exists(MappaRecord.objects.filter(core_member=OuterRef("pk")))
    stood = {
        f"{name}_then": Case(
            When(has_history, then=Subquery(then.values(name)[:1])),
            default=F(f"mappa_{name}"),
            output_field=IntegerField(),
        )
        for name in ("category", "level")
    }
    return {
        (category, level): n
        for category, level, n in core_members.order_by()
        .annotate(**stood)
        .values_list("category_then", "level_then")
        .annotate(n=Count("pk"))
        .values_list("category_then", "level_then", "n")
    }


def caseload(scope, period):
    by_state = _counts_by(circles_in_period(scope, period), "status", Circle.Status.choices)
    circles = Table(
        "circles-by-state",
        "Circles open in the period, by state today",
        ["State", "Circles"],
        [[label, by_state[value]] for value, label in Circle.Status.choices],
    )
    circles.total = _total(circles.rows)

    mappa = mappa_counts(scope, period)
    levels = [*MappaLevel.values, None]
    categories = [*MappaCategory.values, None]
    mappa_rows = []
    for category in categories:
        cells = [mappa.get((category, level), 0) for level in levels]
        label = f"Category {category}" if category else "Category not recorded"
        mappa_rows.append([label, *cells, sum(cells)])
    mappa_table = Table(
        "core-members-by-mappa",
        "Core Members in those circles, by MAPPA category and level",
        ["MAPPA category", "Level 1", "Level 2", "Level 3", "Level not recorded", "Total"],
        mappa_rows,
        chart=5,
        note="Category and level on the last day of the period, from the dated MAPPA history.",
    )
    mappa_table.total = _total(mappa_rows)

    received = scope.by_core_member(Referral.objects.all()).filter(
        received_on__gte=period.start, received_on__lte=period.end
    )
    by_status = _counts_by(received, "status", Referral.Status.choices)
    referrals = Table(
        "referrals",
        "Referrals received in the period, by decision",
        ["Decision", "Referrals"],
        [
            ["Accepted", by_status[Referral.Status.ACCEPTED]],
            ["Declined", by_status[Referral.Status.DECLINED]],
            ["Withdrawn", by_status[Referral.Status.WITHDRAWN]],
            [
                "Not yet decided",
                by_status[Referral.Status.RECEIVED] + by_status[Referral.Status.ASSESSING],
            ],
        ],
    )
    referrals.total = _total(referrals.rows, "Received")

    launched = scope.circles.filter(
        launched_on__gte=period.start, launched_on__lte=period.end, referral__isnull=False
    )
    days, n = median(launched, _between("referral__received_on", "launched_on"))
    figures = Table(
        "referral-to-launch",
        "From referral to launch",
        ["Figure", "Value", "Based on"],
        [["Median days from referral received to circle launch", _days(days), n]],
        chart=None,
        kind="figures",
        note="Circles launched in the period whose referral is recorded.",
    )
    return Report("caseload", "Caseload", [circles, mappa_table, referrals, figures])


# Activity ----------------------------------------------------------------------------------


def _meetings(scope, period, now):
    """Meetings of the period that have already started (future ones are not yet due)."""
    return scope.by_circle(Meeting.objects.all()).filter(
        starts_at__gte=period.start_at, starts_at__lt=min(period.end_before, now)
    )


def activity(scope, period, now=None):
    now = now or timezone.now()
    meetings = _meetings(scope, period, now)
    group = _counts_by(meetings.filter(kind=Meeting.Kind.GROUP), "status", Meeting.Status.choices)
    group_table = Table(
        "group-meetings",
        "Group meetings due in the period, by what happened",
        ["Outcome", "Meetings"],
        [
            ["Held", group[Meeting.Status.HELD]],
            ["Cancelled", group[Meeting.Status.CANCELLED]],
            ["Missed", group[Meeting.Status.MISSED]],
            ["Not yet recorded", group[Meeting.Status.SCHEDULED]],
        ],
    )
    group_table.total = _total(group_table.rows, "Scheduled")

    other_kinds = [choice for choice in Meeting.Kind.choices if choice[0] != Meeting.Kind.GROUP]
    contacts = _counts_by(
        meetings.filter(status=Meeting.Status.HELD).exclude(kind=Meeting.Kind.GROUP),
        "kind",
        other_kinds,
    )
    contact_table = Table(
        "other-contacts",
        "Other contacts held in the period",
        ["Kind", "Held"],
        [[label, contacts[value]] for value, label in other_kinds],
    )
    contact_table.total = _total(contact_table.rows)

    notes = MeetingNote.objects.filter(
        meeting__in=meetings.filter(status=Meeting.Status.HELD).values("pk")
    ).exclude(status=MeetingNote.Status.DRAFT)
    attendance = _counts_by(notes, "attendance", MeetingNote.Attendance.choices)
    attendance_table = Table(
        "attendance",
        "Core Member attendance at held meetings with submitted minutes",
        ["Attendance", "Meetings"],
        [[label, attendance[value]] for value, label in MeetingNote.Attendance.choices],
    )
    attendance_table.total = _total(attendance_table.rows)

    hours = scope.by_circle(VolunteerHours.objects.all()).filter(
        worked_on__gte=period.start, worked_on__lte=period.end
    )
    summed = dict(
        hours.order_by().values_list("kind").annotate(h=Sum("hours")).values_list("kind", "h")
    )
    hours_table = Table(
        "volunteer-hours",
        "Volunteer hours in the period",
        ["Kind", "Hours"],
        [
            [label, summed.get(value) or Decimal("0.00")]
            for value, label in VolunteerHours.Kind.choices
        ],
        kind="hours",
        note=(
            "Hours logged against any circle or none."
            if scope.whole_service
            else "Hours logged against these circles."
        ),
    )
    hours_table.total = _total(hours_table.rows)

    held = meetings.filter(status=Meeting.Status.HELD)
    minutes = (
        held.with_minutes_due_at()
        .filter(due_at__lte=now)
        .aggregate(
            due=Count("pk"), on_time=Count("pk", filter=Q(notes__submitted_at__lte=F("due_at")))
        )
    )
    scheduled = group_table.total[1] - group[Meeting.Status.CANCELLED]
    attended = attendance[MeetingNote.Attendance.YES] + attendance[MeetingNote.Attendance.LATE]
    figures = Table(
        "activity-figures",
        "Meetings, attendance and minutes",
        ["Figure", "Value (%)", "Based on"],
        [
            [
                "Group meetings held, of those not cancelled",
                percent(group[Meeting.Status.HELD], scheduled),
                scheduled,
            ],
            [
                "Core Member attended (on time or late), of meetings with minutes",
                percent(attended, attendance_table.total[1]),
                attendance_table.total[1],
            ],
            [
                "Minutes submitted within 48 hours, of held meetings now due",
                percent(minutes["on_time"], minutes["due"]),
                minutes["due"],
            ],
        ],
        chart=None,
        kind="figures",
    )
    return Report(
        "activity",
        "Activity",
        [group_table, contact_table, attendance_table, hours_table, figures],
    )


# Safety ------------------------------------------------------------------------------------


def shared_records(scope, period):
    return scope.records().filter(
        status__in=[
            InformationSharingRecord.Status.SHARED,
            InformationSharingRecord.Status.ACKNOWLEDGED,
        ],
        shared_at__gte=period.start_at,
        shared_at__lt=period.end_before,
    )


def safety(scope, period):
    concerns = scope.by_circle(Concern.objects.all()).filter(
        raised_at__gte=period.start_at, raised_at__lt=period.end_before
    )
    found = {
        row["severity"]: row
        for row in concerns.order_by()
        .values("severity")
        .annotate(
            raised=Count("pk"),
            imminent=Count("pk", filter=Q(imminent_risk=True)),
            shared=Count("pk", filter=Q(status=Concern.Status.SHARED)),
            closed=Count("pk", filter=Q(status=Concern.Status.CLOSED)),
            open=Count("pk", filter=Q(status__in=[Concern.Status.RAISED, Concern.Status.TRIAGED])),
        )
    }
    measures = ("raised", "imminent", "shared", "closed", "open")
    concern_table = Table(
        "concerns",
        "Concerns raised in the period, by severity",
        ["Severity", "Raised", "Imminent risk", "Shared", "Closed", "Still open"],
        [
            [label, *(found.get(value, {}).get(m, 0) for m in measures)]
            for value, label in Concern.Severity.choices
        ],
    )
    concern_table.total = _total(concern_table.rows)

    records = shared_records(scope, period)
    Basis = InformationSharingRecord.LegalBasis
    by_urgency = {
        row["urgency"]: row
        for row in records.order_by()
        .values("urgency")
        .annotate(
            consent=Count("pk", filter=Q(legal_basis=Basis.CONSENT)),
            override=Count("pk", filter=Q(legal_basis=Basis.PUBLIC_PROTECTION)),
        )
    }
    record_rows = []
    for value, label in InformationSharingRecord.Urgency.choices:
        consent = by_urgency.get(value, {}).get("consent", 0)
        override = by_urgency.get(value, {}).get("override", 0)
        record_rows.append([label, consent + override, consent, override])
    record_table = Table(
        "records-shared",
        "Records shared with the outer circle in the period, by urgency",
        ["Urgency", "Shared", "On consent", "Public-protection override"],
        record_rows,
    )
    record_table.total = _total(record_rows)

    to_share, n_shared = median(
        records.filter(source_concern__isnull=False),
        _between("source_concern__raised_at", "shared_at"),
    )
    to_ack, n_ack = median(
        RecordRecipient.objects.filter(record__in=records.values("pk")),
        _between("record__shared_at", "acknowledged_at"),
    )
    figures = Table(
        "safety-figures",
        "How quickly concerns reach the outer circle",
        ["Figure", "Median hours", "Based on"],
        [
            ["From concern raised to record shared", _hours(to_share), n_shared],
            ["From record shared to acknowledgement (each recipient)", _hours(to_ack), n_ack],
        ],
        chart=None,
        kind="figures",
        note="Records shared in the period; acknowledgements by each named recipient so far.",
    )
    return Report("safety", "Safety", [concern_table, record_table, figures])


# Volunteers --------------------------------------------------------------------------------


def volunteers(scope, period, today=None):
    today = today or timezone.localdate()
    pool = scope.volunteers(period)
    by_status = _counts_by(pool, "status", Volunteer.Status.choices)
    status_table = Table(
        "volunteers-by-status",
        "Volunteers by status today",
        ["Status", "Volunteers"],
        [[label, by_status[value]] for value, label in Volunteer.Status.choices],
        note=(
            "The whole volunteer pool."
            if scope.whole_service
            else "Volunteers who were members of these circles during the period."
        ),
    )
    status_table.total = _total(status_table.rows)

    latest_recheck = Subquery(
        DBSCheck.objects.filter(volunteer=OuterRef("pk"))
        .order_by("-issued_on")
        .values("recheck_due_on")[:1]
    )
    due_by = today + datetime.timedelta(days=DBS_DUE_WITHIN_DAYS)
    dbs = (
        pool.exclude(status__in=[Volunteer.Status.LEFT, Volunteer.Status.APPLIED])
        .annotate(recheck=latest_recheck)
        .aggregate(
            overdue=Count("pk", filter=Q(recheck__lte=today)),
            due=Count("pk", filter=Q(recheck__gt=today, recheck__lte=due_by)),
            missing=Count("pk", filter=Q(recheck__isnull=True)),
        )
    )
    dbs_table = Table(
        "dbs",
        f"DBS rechecks (every 3 years) due within {DBS_DUE_WITHIN_DAYS} days of today",
        ["DBS check", "Volunteers"],
        [
            ["Recheck overdue", dbs["overdue"]],
            [f"Recheck due within {DBS_DUE_WITHIN_DAYS} days", dbs["due"]],
            ["No DBS check recorded", dbs["missing"]],
        ],
        note="Volunteers vetting, training, active or paused; the latest check of each.",
    )

    active_at_start = pool.filter(started_on__lte=period.start).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=period.start)
    )
    retention = active_at_start.aggregate(
        n=Count("pk"), left=Count("pk", filter=Q(left_on__lte=period.end))
    )
    retention_table = Table(
        "retention",
        "Volunteers active at the start of the period: who stayed",
        ["Volunteers active on the first day", "Volunteers"],
        [
            ["Still volunteering at the end", retention["n"] - retention["left"]],
            ["Left during the period", retention["left"]],
        ],
        total=["Active on the first day", retention["n"]],
    )
    figures = Table(
        "volunteer-figures",
        "Retention",
        ["Figure", "Value (%)", "Based on"],
        [
            [
                "Volunteers still volunteering at the end of the period",
                percent(retention["n"] - retention["left"], retention["n"]),
                retention["n"],
            ]
        ],
        chart=None,
        kind="figures",
        note="Of those who had started before the period and had not left by its first day.",
    )
    hours = dict(
        scope.by_circle(VolunteerHours.objects.all())
        .filter(worked_on__gte=period.start, worked_on__lte=period.end)
        .order_by()
        .values_list("kind")
        .annotate(h=Sum("hours"))
        .values_list("kind", "h")
    )
    hours_table = Table(
        "volunteer-hours-by-kind",
        "Volunteer hours in the period",
        ["Kind", "Hours"],
        [
            [label, hours.get(value) or Decimal("0.00")]
            for value, label in VolunteerHours.Kind.choices
        ],
        kind="hours",
        note="Meetings are credited from reviewed minutes; travel and preparation as logged.",
    )
    hours_table.total = _total(hours_table.rows)
    claims = (
        scope.by_circle(ExpenseClaim.objects.all())
        .filter(incurred_on__gte=period.start, incurred_on__lte=period.end)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    )
    by_claim_status = {row["status"]: row for row in claims}
    expenses_table = Table(
        "expenses",
        "Expense claims for the period",
        ["State", "Amount (£)", "Claims"],
        [
            [
                label,
                (by_claim_status.get(value) or {}).get("amount") or Decimal("0.00"),
                (by_claim_status.get(value) or {}).get("n", 0),
            ]
            for value, label in ExpenseClaim.Status.choices
        ],
        chart=None,
        kind="figures",
        note="Mileage and receipts, by the date of the expense.",
    )
    return Report(
        "volunteers",
        "Volunteers",
        [status_table, dbs_table, retention_table, figures, hours_table, expenses_table],
    )


# Outcomes ----------------------------------------------------------------------------------


def ended_in(scope, period):
    """Circles ended in the period, newest first, for listing."""
    return (
        scope.circles.filter(
            status=Circle.Status.ENDED, ended_on__gte=period.start, ended_on__lte=period.end
        )
        .select_related("core_member")
        .order_by("-ended_on", "-pk")
    )


def outcomes(scope, period):
    ended = ended_in(scope, period).order_by()
    by_reason = _counts_by(ended, "end_reason", Circle.EndReason.choices)
    ended_table = Table(
        "ended-by-reason",
        "Circles ended in the period, by reason",
        ["Reason", "Circles"],
        [[label, by_reason[value]] for value, label in Circle.EndReason.choices],
    )
    ended_table.total = _total(ended_table.rows)
    n_ended = ended_table.total[1]
    figures = Table(
        "outcome-figures",
        "Completion",
        ["Figure", "Value (%)", "Based on"],
        [
            [
                "Circles completed, of those ended",
                percent(by_reason[Circle.EndReason.COMPLETED], n_ended),
                n_ended,
            ],
            [
                "Ended by recall or reconviction, of those ended",
                percent(
                    by_reason[Circle.EndReason.RECALLED] + by_reason[Circle.EndReason.RECONVICTED],
                    n_ended,
                ),
                n_ended,
            ],
        ],
        chart=None,
        kind="figures",
    )
    return Report("outcomes", "Outcomes", [ended_table, figures, *follow_up_tables(scope, period)])


# Follow-up: recall and reconviction at 12 and 24 months ------------------------------------

OFFENCE_TYPES = OutcomeEvent.OffenceType


def _follow_up_counts(scope, period):
    """Every follow-up count in one aggregate query over circles joined to their Core
    Member's outcome events and their follow-up checks (counted DISTINCT per circle).

    An event is placed by its offence date when recorded, else its own date, measured
    in days from the launch. For the ``months`` follow-up (``d`` days):
    during = launch <= date <= min(end, launch + d); after = end < date <= launch + d.
    """
    event = "core_member__outcome_events"
    circles = scope.circles.filter(
        status=Circle.Status.ENDED, launched_on__isnull=False, ended_on__lte=period.end
    ).annotate(
        ran=_between("launched_on", "ended_on"),
        event_at=ExpressionWrapper(
            Coalesce(F(f"{event}__offence_on"), F(f"{event}__occurred_on")) - F("launched_on"),
            output_field=DurationField(),
        ),
    )
    recall = Q(**{f"{event}__kind": OutcomeEvent.Kind.RECALL})
    reconviction = Q(**{f"{event}__kind": OutcomeEvent.Kind.RECONVICTION})
    of_type = {t: Q(**{f"{event}__offence_type": t}) for t in OFFENCE_TYPES.values}

    def circles_where(condition):
        return Count("pk", distinct=True, filter=condition)

    aggregates = {}
    for months, days in FOLLOW_UP_DAYS.items():
        cohort = Q(launched_on__lte=period.end - datetime.timedelta(days=days))
        in_window = (
            cohort
            & Q(event_at__gte=datetime.timedelta(0))
            & Q(event_at__lte=datetime.timedelta(days=days))
        )
        when = {
            "during": in_window & Q(event_at__lte=F("ran")),
            "after": in_window & Q(event_at__gt=F("ran")),
        }
        followed = cohort & Q(follow_up_checks__months=months)
        aggregates[f"n{months}"] = circles_where(cohort)
        aggregates[f"followed{months}"] = circles_where(followed)
        for part, window in when.items():
            aggregates[f"recall_{part}{months}"] = circles_where(window & recall)
            aggregates[f"reconviction_{part}{months}"] = circles_where(window & reconviction)
            for offence, is_type in of_type.items():
                aggregates[f"{offence}_{part}{months}"] = circles_where(
                    window & reconviction & is_type
                )
        followed_in_window = in_window & Q(follow_up_checks__months=months)
        aggregates[f"followed_sexual{months}"] = circles_where(
            followed_in_window & reconviction & of_type[OFFENCE_TYPES.SEXUAL]
        )
        aggregates[f"followed_reconviction{months}"] = circles_where(
            followed_in_window & reconviction
        )
        aggregates[f"followed_recall{months}"] = circles_where(followed_in_window & recall)
    return circles.aggregate(**aggregates)


def follow_up_tables(scope, period):
    """Recall and reconviction during and after the circle at 12 and 24 months of follow-up."""
    n = _follow_up_counts(scope, period)
    cohort_rows = [
        [
            f"{months} months after launch",
            n[f"n{months}"],
            n[f"followed{months}"],
            n[f"recall_during{months}"],
            n[f"reconviction_during{months}"],
            n[f"recall_after{months}"],
            n[f"reconviction_after{months}"],
        ]
        for months in FOLLOW_UP_DAYS
    ]
    follow_table = Table(
        "follow-up",
        "Recall and reconviction at 12 and 24 months of follow-up",
        [
            "Follow-up",
            "Circles ended, launched long enough ago",
            "Followed up",
            "Recalled during the circle",
            "Reconvicted during the circle",
            "Recalled after the circle",
            "Reconvicted after the circle",
        ],
        cohort_rows,
        chart=None,
        kind="follow-up",
        note=(
            "Circles ended by the end of the period whose launch was at least 12 (24) months "
            "(365, 730 days) before it; each circle counts once in a column however many "
            "events. Followed up: the 12 (24)-month check with the police or probation is "
            "recorded. During: from the launch to the end of the circle (or the follow-up "
            "point if sooner); after: from the end to the follow-up point. A reconviction is "
            "placed by the offence date when recorded, otherwise by the conviction date"
        ),
    )
    type_rows = [
        [
            label,
            *(
                n[f"{offence}_{part}{months}"]
                for months in FOLLOW_UP_DAYS
                for part in ("during", "after")
            ),
        ]
        for offence, label in OFFENCE_TYPES.choices
    ]
    type_table = Table(
        "follow-up-reconvictions",
        "Reconvictions at 12 and 24 months of follow-up, by offence type",
        [
            "Offence",
            "During the circle, 12 months",
            "After the circle, 12 months",
            "During the circle, 24 months",
            "After the circle, 24 months",
        ],
        type_rows,
        chart=None,
        kind="follow-up",
        note="Circles with at least one reconviction of the type, as in the table above.",
    )
    rate_rows = []
    for months in FOLLOW_UP_DAYS:
        followed = n[f"followed{months}"]
        for key, what in (
            ("sexual", "Reconvicted of a sexual offence"),
            ("reconviction", "Reconvicted of any offence"),
            ("recall", "Recalled"),
        ):
            count = n[f"followed_{key}{months}"]
            rate_rows.append(
                [
                    f"{what} within {months} months of launch, of circles followed up",
                    percent(count, followed),
                    followed,
                ]
            )
    rate_table = Table(
        "follow-up-rates",
        "Recall and reconviction among circles followed up",
        ["Figure", "Value (%)", "Based on"],
        rate_rows,
        chart=None,
        kind="figures",
        note=(
            "Only circles whose follow-up check is recorded, so that no check is read as "
            "nothing found; during and after the circle together."
        ),
    )
    return [follow_table, type_table, rate_table]


REPORTS = {
    "caseload": ("Caseload", caseload),
    "activity": ("Activity", activity),
    "safety": ("Safety", safety),
    "volunteers": ("Volunteers", volunteers),
    "outcomes": ("Outcomes", outcomes),
}


def build(slug, scope, period):
    return REPORTS[slug][1](scope, period)
