"""The dashboard's "also due" lines: what else needs the coordinator, counted in one query.

Each line is a count, the oldest date and the object to open first (the oldest): the
line's first row in date order with the count of all its rows riding along as a window,
every line a part of one UNION ALL, so the page costs one query however many rows there
are. The lists that need reading item by item (concerns, minutes) stay
lists.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, FirstValue
from django.utils import timezone

from accounts.models import User
from circles.access import CircleScope
from circles.models import (
    CircleMembership,
    Concern,
    Meeting,
    MeetingNote,
    ReviewMilestone,
    minutes_due_expression,
)
from circles.scheduling import local_to_utc
from coreMembers.access import referrals_visible_to
from coreMembers.models import Referral, SharingAgreement
from volunteers.models import DBSCheck, Volunteer

REVIEWS_AHEAD_DAYS = 30
AGREEMENTS_AHEAD_DAYS = 30


# What the dashboard's lists show: only these columns are read and turned into objects
# (a Core Member or circle row is wide, and each list has up to DASHBOARD_LIMIT of them).
MEETING_FIELDS = ("circle_id", "starts_at", "duration_minutes", "kind", "circle__name")
REVIEW_FIELDS = (
    "meeting_id",
    "author_id",
    "submitted_at",
    "status",
    *(f"meeting__{field}" for field in MEETING_FIELDS),
    "meeting__circle__core_member__reference",
    "author__first_name",
    "author__last_name",
)
CONCERN_FIELDS = (
    "circle_id",
    "raised_by_id",
    "raised_at",
    "category",
    "severity",
    "imminent_risk",
    "status",
    "circle__name",
    "circle__core_member__reference",
    "raised_by__first_name",
    "raised_by__last_name",
)


def dashboard_lists(scope, now):
    """The dashboard's lists that are read item by item, most urgent first: each is shown
    in part on the dashboard and in full on its own page (``dashboard_list``). Across the
    whole service (a manager's) they are counted by the service summary (reports)."""
    return {
        "minutes-to-review": (
            MeetingNote.objects.filter(scope.q("circle"), status=MeetingNote.Status.SUBMITTED)
            .select_related("meeting__circle__core_member", "author")
            .annotate(due_at=minutes_due_expression("meeting__"))
            .only(*REVIEW_FIELDS)
            .order_by("submitted_at", "pk")
        ),
        "concerns": (
            Concern.objects.filter(scope.q("circle"), status=Concern.Status.RAISED)
            .select_related("circle__core_member", "raised_by")
            .only(*CONCERN_FIELDS)
            .order_by("-severity", "-imminent_risk", "raised_at", "pk")
        ),
        "minutes-overdue": (
            Meeting.objects.filter(scope.q("circle", open_only=True))
            .minutes_outstanding(now)
            .filter(due_at__lt=now)
            .select_related("circle")
            .only(*MEETING_FIELDS)
            .order_by("starts_at", "pk")
        ),
    }


@dataclass(frozen=True)
class Need:
    key: str
    label: str
    count: int
    oldest: datetime.date | None
    first_pk: int | None
    # What the oldest date means on this line ("due", "expires", "received").
    date_word: str


def _count(queryset):
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def _first(key, queryset, field, link):
    """The line in one row: its key, how many rows it has, the oldest date and the id to
    open (the first row by ``field``, then pk), as windows over the line's rows.

    Each line is its own small query, and the lines are one UNION ALL: built as
    subqueries of one row, the six lines' expressions were copied and relabelled into
    the outer query, which cost more Python (11 ms) than the page's SQL took to run.
    (Windows and DISTINCT rather than LIMIT 1: SQLite takes no LIMIT in a UNION's parts.)"""
    in_order = [F(field.split("__")[0]).asc(), F("pk").asc()]
    return (
        queryset.order_by()
        .annotate(
            need=Value(key, output_field=CharField()),
            rows_in_all=Window(Count("pk")),
            oldest=Window(FirstValue(Cast(F(field), DateField())), order_by=in_order),
            first_pk=Window(FirstValue(F(link)), order_by=in_order),
        )
        .values_list("need", "rows_in_all", "oldest", "first_pk")
        .distinct()
    )


def line_labels():
    """Each "also due" line's words, by key."""
    return {
        "reviews_overdue": "Reviews overdue",
        "reviews_due": f"Reviews due in the next {REVIEWS_AHEAD_DAYS} days",
        "meetings_this_week": "Meetings this week",
        "dbs_rechecks": f"DBS rechecks due within {settings.COSA_DBS_RECHECK_AHEAD_DAYS} days",
        "agreements": (
            f"Sharing agreements withdrawn or expiring within {AGREEMENTS_AHEAD_DAYS} days"
        ),
        "referrals": "Referrals awaiting a decision",
    }


def _lines(scope, referrals, today, now):
    """(key, label, date word, queryset, its date field, the id the link opens), over
    ``scope``'s circles and the ``referrals`` given."""
    labels = line_labels()
    open_only = scope.q("circle", open_only=True)
    pending = ReviewMilestone.objects.filter(
        open_only, completed_on__isnull=True, cancelled_on__isnull=True
    )
    monday = today - datetime.timedelta(days=today.weekday())
    week = (
        local_to_utc(monday, datetime.time.min),
        local_to_utc(monday + datetime.timedelta(days=7), datetime.time.min),
    )
    checks = DBSCheck.objects.latest_per_volunteer().filter(
        recheck_due_on__lte=today + datetime.timedelta(days=settings.COSA_DBS_RECHECK_AHEAD_DAYS),
        volunteer__status__in=(Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED),
    )
    if not scope.everywhere:
        # A coordinator renews the checks of the volunteers in their circles.
        checks = checks.filter(
            volunteer__in=CircleMembership.objects.current()
            .filter(open_only)
            .values("volunteer_id")
        )
    newer_agreement = SharingAgreement.objects.filter(
        core_member=OuterRef("core_member"), version__gt=OuterRef("version")
    )
    agreements = SharingAgreement.objects.filter(
        ~Exists(newer_agreement),
        Q(withdrawn_on__isnull=False)
        | Q(expires_on__lte=today + datetime.timedelta(days=AGREEMENTS_AHEAD_DAYS)),
        scope.q("core_member__circles", open_only=True),
    )
    return [
        (
            "reviews_overdue",
            labels["reviews_overdue"],
            "due",
            pending.filter(due_on__lt=today),
            "due_on",
            "circle_id",
        ),
        (
            "reviews_due",
            labels["reviews_due"],
            "due",
            pending.filter(
                due_on__gte=today, due_on__lte=today + datetime.timedelta(days=REVIEWS_AHEAD_DAYS)
            ),
            "due_on",
            "circle_id",
        ),
        (
            "meetings_this_week",
            labels["meetings_this_week"],
            "first",
            Meeting.objects.filter(
                open_only, starts_at__gte=week[0], starts_at__lt=week[1]
            ).exclude(status=Meeting.Status.CANCELLED),
            "starts_at__date",
            "circle_id",
        ),
        (
            "dbs_rechecks",
            labels["dbs_rechecks"],
            "due",
            checks,
            "recheck_due_on",
            "volunteer_id",
        ),
        (
            "agreements",
            labels["agreements"],
            "expires",
            agreements,
            "expires_on",
            "core_member_id",
        ),
        (
            "referrals",
            labels["referrals"],
            "received",
            referrals.filter(status__in=(Referral.Status.RECEIVED, Referral.Status.ASSESSING)),
            "received_on",
            "pk",
        ),
    ]


def needs_for(user, scope, now=None) -> list[Need]:
    """Every "also due" line for ``user`` over ``scope`` (a CircleScope of the circles
    they change), in one query: a line with no rows has no row in it."""
    return _needs(scope, referrals_visible_to(user), now or timezone.now())


def service_needs(now=None) -> list[Need]:
    """The same lines across the whole service (the service summary counts them)."""
    return _needs(CircleScope.service_wide(), Referral.objects.all(), now or timezone.now())


def _needs(scope, referrals, now):
    lines = _lines(scope, referrals, timezone.localdate(now), now)
    first, *others = [
        _first(key, queryset, field, link) for key, _label, _word, queryset, field, link in lines
    ]
    found = {key: rest for key, *rest in first.union(*others, all=True)}
    needs = []
    for key, label, word, _queryset, _field, _link in lines:
        count, oldest, first_pk = found.get(key, (0, None, None))
        needs.append(
            Need(
                key=key, label=label, count=count, oldest=oldest, first_pk=first_pk, date_word=word
            )
        )
    return needs


@dataclass(frozen=True)
class CoordinatorLoad:
    coordinator: User
    concerns: int
    to_review: int
    reviews_overdue: int
    reviews_due: int
    referrals: int

    @property
    def total(self):
        return (
            self.concerns
            + self.to_review
            + self.reviews_overdue
            + self.reviews_due
            + self.referrals
        )


def by_coordinator(now=None) -> list[CoordinatorLoad]:
    """The manager's view of the same work, one row per active coordinator, in one query;
    the busiest first."""
    from circles.models import Circle, Concern, MeetingNote

    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = Q(circle__coordinator=OuterRef("pk")) & ~Q(circle__status=Circle.Status.ENDED)
    pending = ReviewMilestone.objects.filter(
        mine, completed_on__isnull=True, cancelled_on__isnull=True
    )
    counts = {
        "concerns": Concern.objects.filter(mine, status=Concern.Status.RAISED),
        "to_review": MeetingNote.objects.filter(
            circle__coordinator=OuterRef("pk"), status=MeetingNote.Status.SUBMITTED
        ),
        "reviews_overdue": pending.filter(due_on__lt=today),
        "reviews_due": pending.filter(
            due_on__gte=today, due_on__lte=today + datetime.timedelta(days=REVIEWS_AHEAD_DAYS)
        ),
        "referrals": Referral.objects.filter(
            coordinator=OuterRef("pk"),
            status__in=(Referral.Status.RECEIVED, Referral.Status.ASSESSING),
        ),
    }
    rows = (
        User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
        .annotate(**{key: _count(queryset) for key, queryset in counts.items()})
        .only("first_name", "last_name", "email")
        .order_by("last_name", "first_name", "pk")
    )
    loads = [
        CoordinatorLoad(coordinator=row, **{key: getattr(row, key) or 0 for key in counts})
        for row in rows
    ]
    return sorted(loads, key=lambda load: -load.total)
