"""Meetings generated ahead from a circle's pattern (``circles/scheduling.py``).

Times are Europe/London wall-clock times stored in UTC. 2027's clock changes
fall on Sunday 28 March (01:00 GMT → 02:00 BST) and Sunday 31 October
(02:00 BST → 01:00 GMT); a circle that meets at 18:30 meets at 18:30 on both
sides of each.
"""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from circles import scheduling, services
from circles.models import Circle, Frequency, Meeting, Weekday
from circles.tests.factories import ActiveCircleFactory, launchable_circle

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
SPRING_FORWARD = datetime.date(2027, 3, 28)
FALL_BACK = datetime.date(2027, 10, 31)
EVENING = datetime.time(18, 30)


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def local_days(circle, **filters):
    """The circle's group meetings as (local date, local time) pairs, in order."""
    meetings = circle.meetings.filter(kind=Meeting.Kind.GROUP, **filters).order_by("starts_at")
    return [
        (
            timezone.localtime(m.starts_at, LONDON).date(),
            timezone.localtime(m.starts_at, LONDON).time(),
        )
        for m in meetings
    ]


def active_circle(*, starts_on, weekday, at=EVENING, frequency=Frequency.WEEKLY, **fields):
    fields.setdefault("launched_on", starts_on)
    return ActiveCircleFactory(
        pattern_starts_on=starts_on,
        weekday=weekday,
        meeting_time=at,
        frequency=frequency,
        **fields,
    )


def stored_value(meeting):
    """The column as the database holds it, read past the ORM, as a naive datetime."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT starts_at FROM {Meeting._meta.db_table} WHERE id = %s",  # noqa: S608
            [meeting.pk],
        )
        (value,) = cursor.fetchone()
    if isinstance(value, str):  # SQLite keeps the text Django wrote, always UTC.
        return datetime.datetime.fromisoformat(value).replace(tzinfo=None)
    # PostgreSQL hands back an aware value in the connection's zone, which Django sets to UTC.
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


# The pure functions -------------------------------------------------------------------------


def test_the_2027_clock_changes_are_on_the_last_sundays_of_march_and_october():
    assert SPRING_FORWARD.weekday() == FALL_BACK.weekday() == Weekday.SUNDAY
    assert (SPRING_FORWARD + datetime.timedelta(days=7)).month == 4
    assert (FALL_BACK + datetime.timedelta(days=7)).month == 11
    before = datetime.datetime.combine(SPRING_FORWARD, datetime.time(0, 30), tzinfo=LONDON)
    after = datetime.datetime.combine(SPRING_FORWARD, datetime.time(3, 0), tzinfo=LONDON)
    assert before.utcoffset() == datetime.timedelta(0)
    assert after.utcoffset() == datetime.timedelta(hours=1)


def test_slots_keep_the_local_time_across_the_spring_clock_change():
    slots = list(
        scheduling.slots(
            anchor=datetime.date(2027, 3, 15),
            weekday=Weekday.SUNDAY,
            at=EVENING,
            frequency=Frequency.WEEKLY,
            until=datetime.date(2027, 4, 4),
        )
    )
    assert slots == [
        utc(2027, 3, 21, 18, 30),  # GMT
        utc(2027, 3, 28, 17, 30),  # BST from 01:00 UTC that morning
        utc(2027, 4, 4, 17, 30),
    ]


def test_slots_keep_the_local_time_across_the_autumn_clock_change():
    slots = list(
        scheduling.slots(
            anchor=datetime.date(2027, 10, 20),
            weekday=Weekday.SUNDAY,
            at=EVENING,
            frequency=Frequency.WEEKLY,
            until=datetime.date(2027, 11, 7),
        )
    )
    assert slots == [
        utc(2027, 10, 24, 17, 30),  # BST
        utc(2027, 10, 31, 18, 30),  # GMT from 01:00 UTC that morning
        utc(2027, 11, 7, 18, 30),
    ]


def test_a_time_in_the_spring_gap_moves_forward_an_hour():
    # 01:30 does not exist on 28 March 2027: it is read as 01:30 GMT, i.e. 02:30 BST.
    starts_at = scheduling.local_to_utc(SPRING_FORWARD, datetime.time(1, 30))
    assert starts_at == utc(2027, 3, 28, 1, 30)
    assert timezone.localtime(starts_at, LONDON).time() == datetime.time(2, 30)


def test_a_time_repeated_in_autumn_is_its_first_occurrence():
    starts_at = scheduling.local_to_utc(FALL_BACK, datetime.time(1, 30))
    assert starts_at == utc(2027, 10, 31, 0, 30)  # 01:30 BST, before the clocks go back


@pytest.mark.parametrize(
    ("frequency", "gap"),
    [(Frequency.WEEKLY, 7), (Frequency.FORTNIGHTLY, 14), (Frequency.MONTHLY, 28)],
)
def test_slots_step_by_the_frequency_from_the_first_weekday_on_or_after_the_anchor(frequency, gap):
    slots = list(
        scheduling.slots(
            anchor=datetime.date(2027, 1, 1),  # a Friday
            weekday=Weekday.TUESDAY,
            at=EVENING,
            frequency=frequency,
            until=datetime.date(2027, 3, 1),
        )
    )
    assert slots[0] == utc(2027, 1, 5, 18, 30)
    assert all(
        b - a == datetime.timedelta(days=gap) for a, b in zip(slots, slots[1:], strict=False)
    )
    assert slots[-1].date() <= datetime.date(2027, 3, 1)


def test_review_dates_fall_on_the_same_day_of_the_month():
    assert list(scheduling.review_due_dates(datetime.date(2027, 1, 31), 12)) == [
        (3, datetime.date(2027, 4, 30)),
        (6, datetime.date(2027, 7, 31)),
        (9, datetime.date(2027, 10, 31)),
        (12, datetime.date(2028, 1, 31)),
    ]


# Generating meetings ------------------------------------------------------------------------


def test_generated_meetings_keep_local_time_across_the_spring_change_and_are_stored_in_utc(
    freeze_time,
):
    freeze_time(datetime.datetime(2027, 3, 10, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 3, 1), weekday=Weekday.SUNDAY)

    created = services.meetings_generate(circle=circle)

    # 35 days ahead of Wednesday 10 March: the Sundays 14 March to 11 April.
    assert created == 5
    assert local_days(circle) == [
        (datetime.date(2027, 3, 14), EVENING),
        (datetime.date(2027, 3, 21), EVENING),
        (SPRING_FORWARD, EVENING),
        (datetime.date(2027, 4, 4), EVENING),
        (datetime.date(2027, 4, 11), EVENING),
    ]
    before, on_the_day = circle.meetings.filter(
        starts_at__date__in=[datetime.date(2027, 3, 21), SPRING_FORWARD]
    ).order_by("starts_at")
    assert stored_value(before) == datetime.datetime(2027, 3, 21, 18, 30)
    assert stored_value(on_the_day) == datetime.datetime(2027, 3, 28, 17, 30)


def test_generated_meetings_keep_local_time_across_the_autumn_change_and_are_stored_in_utc(
    freeze_time,
):
    freeze_time(datetime.datetime(2027, 10, 18, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 6, 1), weekday=Weekday.SUNDAY)

    services.meetings_generate(circle=circle)

    assert {time for _, time in local_days(circle)} == {EVENING}
    assert (FALL_BACK, EVENING) in local_days(circle)
    by_day = {timezone.localtime(m.starts_at, LONDON).date(): m for m in circle.meetings.all()}
    assert stored_value(by_day[datetime.date(2027, 10, 24)]) == datetime.datetime(
        2027, 10, 24, 17, 30
    )
    assert stored_value(by_day[FALL_BACK]) == datetime.datetime(2027, 10, 31, 18, 30)
    assert stored_value(by_day[datetime.date(2027, 11, 7)]) == datetime.datetime(
        2027, 11, 7, 18, 30
    )


def test_a_thursday_circle_launched_before_the_spring_change_meets_at_1830_after_it(
    freeze_time,
):
    freeze_time(datetime.datetime(2027, 3, 15, 10, 0))
    circle = launchable_circle(weekday=Weekday.THURSDAY, meeting_time=EVENING)

    services.circle_launch(circle=circle, acting_user=circle.coordinator)

    assert local_days(circle)[:3] == [
        (datetime.date(2027, 3, 18), EVENING),
        (datetime.date(2027, 3, 25), EVENING),
        (datetime.date(2027, 4, 1), EVENING),
    ]
    utc_hours = [m.starts_at.astimezone(UTC).hour for m in circle.meetings.order_by("starts_at")]
    assert utc_hours[:3] == [18, 18, 17]


def test_meetings_are_generated_only_a_few_weeks_ahead(freeze_time):
    freeze_time(datetime.datetime(2027, 5, 3, 9, 0))  # a Monday
    circle = active_circle(starts_on=datetime.date(2027, 2, 1), weekday=Weekday.MONDAY)

    services.meetings_generate(circle=circle)

    days = [day for day, _ in local_days(circle)]
    assert days[0] == datetime.date(2027, 5, 3)  # later today
    assert days[-1] <= datetime.date(2027, 5, 3) + datetime.timedelta(
        days=services.MEETINGS_AHEAD_DAYS
    )
    assert len(days) == 6


def test_no_meetings_are_generated_in_the_past(freeze_time):
    freeze_time(datetime.datetime(2027, 5, 3, 20, 0))  # Monday evening, after the meeting
    circle = active_circle(starts_on=datetime.date(2027, 2, 1), weekday=Weekday.MONDAY)

    services.meetings_generate(circle=circle)

    assert local_days(circle)[0][0] == datetime.date(2027, 5, 10)
    assert not circle.meetings.filter(starts_at__lt=timezone.now()).exists()


def test_no_meetings_are_generated_after_the_planned_end(freeze_time):
    freeze_time(datetime.datetime(2027, 5, 3, 9, 0))
    circle = active_circle(
        starts_on=datetime.date(2026, 5, 17),
        weekday=Weekday.MONDAY,
        planned_end_on=datetime.date(2027, 5, 17),
    )

    services.meetings_generate(circle=circle)

    assert [day for day, _ in local_days(circle)] == [
        datetime.date(2027, 5, 3),
        datetime.date(2027, 5, 10),
        datetime.date(2027, 5, 17),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Circle.Status.FORMING, "launched_on": None, "planned_end_on": None},
        {
            "status": Circle.Status.ENDED,
            "ended_on": datetime.date(2027, 4, 1),
            "end_reason": Circle.EndReason.COMPLETED,
        },
    ],
    ids=["forming", "ended"],
)
def test_no_meetings_are_generated_for_a_circle_that_is_not_running(freeze_time, fields):
    freeze_time(datetime.datetime(2027, 5, 3, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 2, 1), weekday=Weekday.MONDAY, **fields)

    assert services.meetings_generate(circle=circle) == 0
    assert not circle.meetings.exists()


def test_a_stepping_down_circle_still_gets_its_meetings(freeze_time):
    freeze_time(datetime.datetime(2027, 5, 3, 9, 0))
    circle = active_circle(
        starts_on=datetime.date(2027, 2, 1),
        weekday=Weekday.MONDAY,
        status=Circle.Status.STEP_DOWN,
        frequency=Frequency.MONTHLY,
    )
    assert services.meetings_generate(circle=circle) > 0


# Re-running --------------------------------------------------------------------------------------


def test_running_generation_twice_creates_no_duplicates(freeze_time):
    freeze_time(datetime.datetime(2027, 3, 10, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 3, 1), weekday=Weekday.SUNDAY)
    first = services.meetings_generate(circle=circle)

    second = services.meetings_generate(circle=circle)

    assert first == 5
    assert second == 0
    assert circle.meetings.count() == 5


def test_running_generation_a_week_later_adds_only_the_new_week(freeze_time):
    freeze_time(datetime.datetime(2027, 3, 10, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 3, 1), weekday=Weekday.SUNDAY)
    services.meetings_generate(circle=circle)
    before = local_days(circle)

    freeze_time(datetime.datetime(2027, 3, 17, 9, 0))
    assert services.meetings_generate(circle=circle) == 1

    assert local_days(circle) == [*before, (datetime.date(2027, 4, 18), EVENING)]


@pytest.mark.parametrize(
    ("frequency", "gap"), [(Frequency.FORTNIGHTLY, 14), (Frequency.MONTHLY, 28)]
)
def test_running_generation_on_later_days_keeps_the_rhythm(freeze_time, frequency, gap):
    """A daily sweep must not start a new fortnight from whatever day it runs on."""
    freeze_time(datetime.datetime(2027, 4, 1, 8, 0))  # Thursday
    circle = active_circle(
        starts_on=datetime.date(2027, 4, 1), weekday=Weekday.THURSDAY, frequency=frequency
    )
    for day in range(60):
        freeze_time(datetime.datetime(2027, 4, 1, 8, 0) + datetime.timedelta(days=day))
        services.meetings_generate(circle=circle)

    days = [day for day, _ in local_days(circle)]
    assert days[0] == datetime.date(2027, 4, 1)
    assert all((b - a).days == gap for a, b in zip(days, days[1:], strict=False)), days
    assert all((day - datetime.date(2027, 4, 1)).days % gap == 0 for day in days)


# Cancelled slots ----------------------------------------------------------------------------------


def test_a_cancelled_slot_is_not_generated_again(freeze_time):
    freeze_time(datetime.datetime(2027, 3, 10, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 3, 1), weekday=Weekday.SUNDAY)
    services.meetings_generate(circle=circle)
    spring = circle.meetings.get(starts_at=utc(2027, 3, 28, 17, 30))
    services.meeting_cancel(
        meeting=spring, reason="Venue closed for Easter", acting_user=circle.coordinator
    )

    assert services.meetings_generate(circle=circle) == 0
    freeze_time(datetime.datetime(2027, 3, 17, 9, 0))
    services.meetings_generate(circle=circle)

    on_that_day = circle.meetings.filter(starts_at__date=SPRING_FORWARD)
    assert [m.status for m in on_that_day] == [Meeting.Status.CANCELLED]
    # 14, 21 March and 4, 11 April, and 18 April added a week later.
    assert circle.meetings.filter(status=Meeting.Status.SCHEDULED).count() == 5
    assert circle.meetings.count() == 6


# Changing the pattern -----------------------------------------------------------------------


def test_changing_the_pattern_moves_only_future_unheld_group_meetings(freeze_time):
    freeze_time(datetime.datetime(2027, 3, 1, 9, 0))
    circle = active_circle(starts_on=datetime.date(2027, 2, 1), weekday=Weekday.THURSDAY)
    services.meetings_generate(circle=circle)
    coordinator = circle.coordinator

    freeze_time(datetime.datetime(2027, 3, 12, 9, 0))  # a Friday
    held = circle.meetings.get(starts_at__date=datetime.date(2027, 3, 4))
    services.meeting_mark(meeting=held, status=Meeting.Status.HELD, acting_user=coordinator)
    unmarked = circle.meetings.get(starts_at__date=datetime.date(2027, 3, 11))
    cancelled = circle.meetings.get(starts_at__date=datetime.date(2027, 3, 25))
    services.meeting_cancel(meeting=cancelled, reason="Volunteer holiday", acting_user=coordinator)
    one_to_one = services.meeting_log_contact(
        circle=circle,
        kind=Meeting.Kind.ONE_TO_ONE,
        starts_at=utc(2027, 3, 19, 11, 0),
        acting_user=coordinator,
    )

    services.circle_set_pattern(
        circle=circle,
        weekday=Weekday.TUESDAY,
        meeting_time=datetime.time(19, 0),
        acting_user=coordinator,
    )

    kept = {held.pk, unmarked.pk, cancelled.pk, one_to_one.pk}
    assert kept <= set(circle.meetings.values_list("pk", flat=True))
    held.refresh_from_db()
    unmarked.refresh_from_db()
    assert (held.status, unmarked.status) == (Meeting.Status.HELD, Meeting.Status.SCHEDULED)
    assert not circle.meetings.filter(
        status=Meeting.Status.SCHEDULED,
        kind=Meeting.Kind.GROUP,
        starts_at__gte=timezone.now(),
        starts_at__week_day=5,  # Thursday (Sunday is 1)
    ).exists()
    assert local_days(circle, status=Meeting.Status.SCHEDULED, starts_at__gte=timezone.now()) == [
        (datetime.date(2027, 3, 16), datetime.time(19, 0)),
        (datetime.date(2027, 3, 23), datetime.time(19, 0)),
        (datetime.date(2027, 3, 30), datetime.time(19, 0)),  # BST now: 18:00 UTC
        (datetime.date(2027, 4, 6), datetime.time(19, 0)),
        (datetime.date(2027, 4, 13), datetime.time(19, 0)),
    ]
    assert circle.meetings.get(starts_at__date=datetime.date(2027, 3, 30)).starts_at == utc(
        2027, 3, 30, 18, 0
    )


def test_changing_the_pattern_of_a_forming_circle_schedules_nothing(freeze_time):
    freeze_time(datetime.datetime(2027, 3, 1, 9, 0))
    circle = launchable_circle()
    services.circle_set_pattern(
        circle=circle, weekday=Weekday.MONDAY, acting_user=circle.coordinator
    )
    assert not circle.meetings.exists()
    circle.refresh_from_db()
    assert circle.weekday == Weekday.MONDAY


def test_a_new_covenant_frequency_reschedules_the_future(freeze_time):
    freeze_time(datetime.datetime(2027, 9, 1, 9, 0))  # a Wednesday
    circle = active_circle(starts_on=datetime.date(2027, 1, 7), weekday=Weekday.THURSDAY)
    services.meetings_generate(circle=circle)
    assert circle.meetings.count() == 5

    services.covenant_agree(
        circle=circle,
        goals="Meet every other week now that work has started.",
        frequency=Frequency.FORTNIGHTLY,
        acting_user=circle.coordinator,
    )

    days = [day for day, _ in local_days(circle)]
    assert days == [
        datetime.date(2027, 9, 2),
        datetime.date(2027, 9, 16),
        datetime.date(2027, 9, 30),
    ]
    circle.refresh_from_db()
    assert circle.frequency == Frequency.FORTNIGHTLY
    assert circle.pattern_starts_on == datetime.date(2027, 9, 1)


def test_a_pattern_starting_later_keeps_the_meetings_before_it(freeze_time):
    freeze_time(datetime.datetime(2027, 9, 1, 9, 0))  # a Wednesday
    circle = active_circle(starts_on=datetime.date(2027, 1, 7), weekday=Weekday.THURSDAY)
    services.meetings_generate(circle=circle)

    services.covenant_agree(
        circle=circle,
        goals="From mid-September, every other week.",
        frequency=Frequency.FORTNIGHTLY,
        agreed_on=datetime.date(2027, 9, 15),
        acting_user=circle.coordinator,
    )

    assert [day for day, _ in local_days(circle)] == [
        datetime.date(2027, 9, 2),
        datetime.date(2027, 9, 9),
        datetime.date(2027, 9, 16),
        datetime.date(2027, 9, 30),
    ]
