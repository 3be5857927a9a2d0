"""Activity figures against a fixture worked out by hand.

The clock is stopped at 12:00 on 30 June 2026; the period is 1 April to 30 June 2026.
Meetings last 90 minutes unless said otherwise, so minutes are due 49.5 hours after
the start.
"""

from decimal import Decimal

import pytest

from circles.models import Meeting, MeetingNote
from circles.tests.factories import MeetingFactory, MeetingNoteFactory
from reports.queries import Scope, activity
from reports.tests.helpers import D, at, by_label, owned_circle
from volunteers.models import VolunteerHours
from volunteers.tests.factories import VolunteerHoursFactory

HELD, CANCELLED, MISSED, SCHEDULED = (
    Meeting.Status.HELD,
    Meeting.Status.CANCELLED,
    Meeting.Status.MISSED,
    Meeting.Status.SCHEDULED,
)


def meeting(circle, starts_at, status, kind=Meeting.Kind.GROUP, minutes=90):
    extra = {"cancelled_reason": "Venue closed"} if status == CANCELLED else {}
    return MeetingFactory(
        circle=circle,
        starts_at=starts_at,
        status=status,
        kind=kind,
        duration_minutes=minutes,
        **extra,
    )


def minutes(meeting, submitted_at, attendance="YES", draft=False):
    return MeetingNoteFactory(
        meeting=meeting,
        attendance=attendance,
        absence_reason="Unwell" if attendance == "NO" else "",
        status=MeetingNote.Status.DRAFT if draft else MeetingNote.Status.SUBMITTED,
        submitted_at=None if draft else submitted_at,
    )


@pytest.fixture
def activity_world(quarter, coordinator, other_coordinator):
    alice, bob = coordinator, other_coordinator
    c1 = owned_circle(alice, launched_on=D(2026, 3, 1))
    # m1 held 2 Apr 18:30, minutes next morning: due 4 Apr 20:00, on time; attended.
    minutes(meeting(c1, at(2026, 4, 2, 18, 30), HELD), at(2026, 4, 3, 10), "YES")
    # m2 held 9 Apr, minutes 12 Apr 09:00 after the 11 Apr 20:00 deadline: late; came late.
    minutes(meeting(c1, at(2026, 4, 9, 18, 30), HELD), at(2026, 4, 12, 9), "LATE")
    # m3 held 16 Apr, minutes still a draft: due and not on time; a draft's attendance not counted.
    minutes(meeting(c1, at(2026, 4, 16, 18, 30), HELD), None, "NO", draft=True)
    meeting(c1, at(2026, 4, 23, 18, 30), CANCELLED)  # m4
    meeting(c1, at(2026, 4, 30, 18, 30), MISSED)  # m5
    meeting(c1, at(2026, 5, 7, 18, 30), SCHEDULED)  # m6: past, never recorded
    meeting(c1, at(2026, 7, 2, 18, 30), SCHEDULED)  # m7: future, not counted
    # m8 held yesterday 18:30: minutes due 1 Jul 20:00, not yet due; did not attend.
    minutes(meeting(c1, at(2026, 6, 29, 18, 30), HELD), at(2026, 6, 29, 21), "NO")
    # m9 a 30-minute phone contact on 10 May, minutes within the hour: on time; attended.
    minutes(
        meeting(c1, at(2026, 5, 10, 10), HELD, kind=Meeting.Kind.PHONE, minutes=30),
        at(2026, 5, 10, 11),
        "YES",
    )
    # m10 held 26 March: before the period.
    minutes(meeting(c1, at(2026, 3, 26, 18, 30), HELD), at(2026, 3, 27, 9), "NO")

    hours = VolunteerHours.Kind
    VolunteerHoursFactory(circle=c1, worked_on=D(2026, 4, 2), kind=hours.MEETING, hours="1.50")
    VolunteerHoursFactory(circle=c1, worked_on=D(2026, 4, 2), kind=hours.TRAVEL, hours="0.75")
    VolunteerHoursFactory(circle=c1, worked_on=D(2026, 5, 1), kind=hours.OTHER, hours="2.00")
    VolunteerHoursFactory(circle=c1, worked_on=D(2026, 3, 31), kind=hours.MEETING, hours="1.50")
    VolunteerHoursFactory(circle=None, worked_on=D(2026, 6, 1), kind=hours.MEETING, hours="1.00")

    c_bob = owned_circle(bob, launched_on=D(2026, 3, 1))
    minutes(meeting(c_bob, at(2026, 4, 5, 18, 30), HELD), at(2026, 4, 5, 21), "YES")
    VolunteerHoursFactory(circle=c_bob, worked_on=D(2026, 4, 5), kind=hours.MEETING, hours="3.00")
    return alice, bob


def test_group_meetings_held_against_scheduled(activity_world, quarter):
    alice, bob = activity_world
    report = activity(Scope.for_user(alice), quarter)
    # m1, m2, m3, m8 held; m4 cancelled; m5 missed; m6 never recorded; m7 is in the future.
    assert by_label(report.table("group-meetings")) == {
        "Held": [4],
        "Cancelled": [1],
        "Missed": [1],
        "Not yet recorded": [1],
        "Scheduled": [7],
    }
    assert by_label(report.table("other-contacts"))["Phone contact"] == [1]
    assert by_label(report.table("other-contacts"))["Total"] == [1]
    bob_report = activity(Scope.for_user(bob), quarter)
    assert by_label(bob_report.table("group-meetings"))["Scheduled"] == [1]


def test_attendance_counts_submitted_minutes_of_held_meetings(activity_world, quarter):
    alice, _ = activity_world
    table = activity(Scope.for_user(alice), quarter).table("attendance")
    # Submitted: m1 yes, m2 late, m8 no, m9 yes. m3 is a draft, m10 before the period.
    assert by_label(table) == {
        "Attended": [2],
        "Attended late": [1],
        "Did not attend": [1],
        "Total": [4],
    }


def test_volunteer_hours_include_travel(activity_world, quarter, manager):
    alice, _ = activity_world
    table = activity(Scope.for_user(alice), quarter).table("volunteer-hours")
    # 1.50 meeting + 0.75 travel + 2.00 other = 4.25; the 31 March hours are outside.
    assert by_label(table) == {
        "Meetings": [Decimal("1.50")],
        "Travel": [Decimal("0.75")],
        # Preparation is a kind of its own; none was logged here.
        "Preparation": [Decimal("0.00")],
        "Other": [Decimal("2.00")],
        "Total": [Decimal("4.25")],
    }
    everyone = by_label(activity(Scope.for_user(manager), quarter).table("volunteer-hours"))
    # Meetings: Alice 1.50 + Bob 3.00 + 1.00 logged against no circle = 5.50.
    assert everyone["Meetings"] == [Decimal("5.50")]
    assert everyone["Total"] == [Decimal("8.25")]


def test_rates_held_attendance_and_minutes_on_time(activity_world, quarter, manager):
    alice, _ = activity_world
    figures = by_label(activity(Scope.for_user(alice), quarter).table("activity-figures"))
    rows = list(figures.values())
    # Held 4 of 7 scheduled less 1 cancelled = 6: 4 / 6 = 66.7 %.
    assert rows[0] == [Decimal("66.7"), 6]
    # Attended on time or late: 2 + 1 = 3 of 4 = 75.0 %.
    assert rows[1] == [Decimal("75.0"), 4]
    # Minutes now due: m1, m2, m3, m9 (m8's 48 hours have not passed) = 4; on time m1, m9 = 2.
    assert rows[2] == [Decimal("50.0"), 4]
    everyone = list(
        by_label(activity(Scope.for_user(manager), quarter).table("activity-figures")).values()
    )
    # Bob adds one held meeting with minutes on time: 5 / 7 held, 3 / 5 minutes on time.
    assert everyone[0] == [Decimal("71.4"), 7]
    assert everyone[2] == [Decimal("60.0"), 5]


def test_minutes_exactly_48_hours_after_the_end_are_on_time(quarter, coordinator):
    circle = owned_circle(coordinator, launched_on=D(2026, 3, 1))
    # Ends 20:00 on 2 June; due 20:00 on 4 June; submitted at exactly 20:00 on 4 June.
    minutes(meeting(circle, at(2026, 6, 2, 18, 30), HELD), at(2026, 6, 4, 20, 0))
    # Ends 20:00 on 9 June; submitted a minute after the deadline.
    minutes(meeting(circle, at(2026, 6, 9, 18, 30), HELD), at(2026, 6, 11, 20, 1))
    figures = activity(Scope.for_user(coordinator), quarter).table("activity-figures")
    assert figures.rows[2][1:] == [Decimal("50.0"), 2]
