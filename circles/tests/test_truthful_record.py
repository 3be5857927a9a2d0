"""An ended circle's page, list, export and status lines say what was true, and when."""

import csv
import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from circles import services
from circles.models import Circle, Covenant, Meeting

pytestmark = pytest.mark.django_db

STEP_DOWN_DAYS_AGO = 20


def _days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def _fmt(day):
    return f"{day.day} {day:%b %Y}"


def _end(world, days_ago=3):
    circle = world.objects["circle"]
    return services.circle_end(
        circle=circle,
        reason=Circle.EndReason.COMPLETED,
        outcome_notes="Living independently.",
        ended_on=_days_ago(days_ago),
        acting_user=world.users["owner"],
    )


def _stepped_down(world):
    """Circle A, launched 60 days ago, stepping down since 20 days ago (not since launch)."""
    circle = services.circle_step_down(
        circle=world.objects["circle"],
        acting_user=world.users["owner"],
        on=_days_ago(STEP_DOWN_DAYS_AGO),
    )
    assert circle.launched_on != circle.status_changed_on
    return circle


def _detail(client, user, circle):
    client.force_login(user)
    return client.get(reverse("circles:detail", args=[circle.pk])).content.decode()


# Ending cancels the reviews not yet held --------------------------------------------------------


def test_ending_cancels_outstanding_reviews_and_keeps_recorded_ones(world):
    circle = world.objects["circle"]
    first = circle.milestones.order_by("due_on").first()
    services.review_record(
        milestone=first,
        decision="CONTINUE",
        attendees="All",
        progress_notes="Fine.",
        acting_user=world.users["owner"],
    )
    circle = _end(world)
    milestones = list(circle.milestones.order_by("due_on"))
    assert milestones[0].completed_on is not None and milestones[0].cancelled_on is None
    assert [m.cancelled_on for m in milestones[1:]] == [circle.ended_on] * (len(milestones) - 1)


def test_a_cancelled_review_cannot_be_recorded(world):
    from django.core.exceptions import ValidationError

    circle = _end(world)
    milestone = circle.milestones.first()
    with pytest.raises(ValidationError):
        services.review_record(
            milestone=milestone,
            decision="CONTINUE",
            attendees="All",
            progress_notes="Late.",
            acting_user=world.users["owner"],
        )
    milestone.refresh_from_db()
    assert milestone.completed_on is None


# The ended circle's page --------------------------------------------------------------------


def test_ended_circle_page_shows_who_served_and_cancelled_reviews(client, world):
    circle = _end(world)
    body = _detail(client, world.users["owner"], circle)
    assert "No volunteers matched yet" not in body
    assert "Volunteers who served" in body
    leaver = circle.memberships.get(volunteer__user=world.users["volunteer_left"])
    for membership in circle.memberships.select_related("volunteer"):
        assert str(membership.volunteer) in body
    # The one who left before the end, and those who left when it ended, with dates.
    assert f"{_fmt(leaver.joined_on)} to {_fmt(leaver.left_on)}" in body
    assert f"to {_fmt(circle.ended_on)}" in body
    assert "Primary volunteer" in body or "Volunteer," in body
    assert "overdue</span>" not in body and "due soon</span>" not in body
    assert f"cancelled {_fmt(circle.ended_on)}: the circle ended" in body


def test_ended_circle_page_offers_no_action_that_no_longer_applies(client, world):
    circle = _end(world)
    body = _detail(client, world.users["owner"], circle)
    assert "Versions and a new version" not in body
    assert reverse("circles:match", args=[circle.pk]) not in body
    assert reverse("circles:pattern", args=[circle.pk]) not in body
    assert "End membership" not in body
    for milestone in circle.milestones.all():
        assert reverse("circles:review", args=[circle.pk, milestone.pk]) not in body
    assert "/cancel/" not in body
    # The covenant's versions stay readable.
    assert reverse("circles:covenant", args=[circle.pk]) in body


def test_open_circle_page_still_offers_them(client, world):
    circle = world.objects["circle"]
    body = _detail(client, world.users["owner"], circle)
    assert "Versions and a new version" in body
    assert reverse("circles:match", args=[circle.pk]) in body
    assert "End membership" in body


def test_outsider_still_gets_404_on_the_ended_circle(client, world):
    circle = _end(world)
    client.force_login(world.users["other_coordinator"])
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 404


# Direct POSTs on an ended circle are refused with a message, and nothing is written ------------


def test_direct_posts_on_an_ended_circle_are_refused(client, world):
    circle = _end(world)
    client.force_login(world.users["owner"])
    covenants = Covenant.objects.filter(circle=circle).count()
    pattern = (circle.weekday, circle.meeting_time, circle.frequency)
    members = circle.memberships.count()
    meetings = circle.meetings.count()
    milestone = circle.milestones.first()
    posts = {
        "covenant": (
            reverse("circles:covenant", args=[circle.pk]),
            {"goals": "New goals.", "frequency": "MONTHLY", "agreed_on": ""},
        ),
        "pattern": (
            reverse("circles:pattern", args=[circle.pk]),
            {
                "weekday": 1,
                "meeting_time": "10:00",
                "venue": "Elsewhere",
                "frequency": "MONTHLY",
                "duration_minutes": 60,
            },
        ),
        "match": (
            reverse("circles:match", args=[circle.pk]),
            {"volunteer": world.objects["other_volunteer"].pk, "role": "VOLUNTEER"},
        ),
        "review": (
            reverse("circles:review", args=[circle.pk, milestone.pk]),
            {"decision": "CONTINUE", "attendees": "All", "progress_notes": "x", "completed_on": ""},
        ),
    }
    for name, (url, data) in posts.items():
        response = client.post(url, data)
        assert response.status_code in (200, 400, 403, 409), name
        body = response.content.decode()
        assert "ended" in body or "cancelled" in body, name
    circle.refresh_from_db()
    assert Covenant.objects.filter(circle=circle).count() == covenants
    assert (circle.weekday, circle.meeting_time, circle.frequency) == pattern
    assert circle.memberships.count() == members
    assert circle.meetings.count() == meetings
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_no_minutes_for_a_future_meeting_of_an_ended_circle(client, world):
    circle = _end(world)
    future = circle.meetings.filter(starts_at__gt=timezone.now()).first()
    assert future.status == Meeting.Status.CANCELLED
    client.force_login(world.users["owner"])
    response = client.post(
        reverse("circles:note_write", args=[circle.pk, future.pk]), {"summary": "x"}, follow=True
    )
    assert "Minutes can be written once the meeting has taken place." in response.content.decode()
    assert not future.notes.exists()


# The CSV export counts who served -------------------------------------------------------------


def _export(client, user):
    client.force_login(user)
    response = client.get(reverse("circles:export"))
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_export_counts_the_volunteers_who_served_an_ended_circle(client, world):
    circle = _end(world)
    rows = _export(client, world.users["owner"])
    header, *body = rows
    assert header[-1] == "volunteers (open circle: current; ended circle: all who served)"
    (row,) = [r for r in body if r[0] == circle.name]
    assert row[-1] == "4"


def test_export_counts_current_volunteers_of_an_open_circle(client, world):
    circle = world.objects["circle"]
    header, *body = _export(client, world.users["owner"])
    (row,) = [r for r in body if r[0] == circle.name]
    assert row[-1] == "3"


# Every status line shows the date the status began ---------------------------------------------


def test_circle_page_says_stepping_down_since_the_step_down(client, world):
    circle = _stepped_down(world)
    body = _detail(client, world.users["owner"], circle)
    assert f"Stepping down since {_fmt(_days_ago(STEP_DOWN_DAYS_AGO))}" in body
    assert f"Stepping down since {_fmt(circle.launched_on)}" not in body


def test_circle_list_says_stepping_down_since_the_step_down(client, world):
    _stepped_down(world)
    client.force_login(world.users["owner"])
    body = client.get(reverse("circles:index")).content.decode()
    assert f"since {_fmt(_days_ago(STEP_DOWN_DAYS_AGO))}" in body


def test_core_member_page_says_stepping_down_since_the_step_down(client, world):
    circle = _stepped_down(world)
    client.force_login(world.users["owner"])
    url = reverse("core_members:detail", args=[circle.core_member.pk])
    body = client.get(url).content.decode()
    assert f"stepping down since {_fmt(_days_ago(STEP_DOWN_DAYS_AGO))}" in body
    assert f"launched {_fmt(circle.launched_on)}" in body


def test_liaisons_core_member_page_says_stepping_down_since_the_step_down(client, world):
    circle = _stepped_down(world)
    client.force_login(world.users["liaison_assigned"])
    url = reverse("core_members:detail", args=[circle.core_member.pk])
    body = client.get(url).content.decode()
    assert f"Stepping down since {_fmt(_days_ago(STEP_DOWN_DAYS_AGO))}" in body
    assert f"since {_fmt(circle.launched_on)}" not in body


def test_resuming_and_ending_move_the_status_date(world):
    circle = _stepped_down(world)
    circle = services.circle_resume(circle=circle, acting_user=world.users["owner"])
    assert circle.status_since == timezone.localdate()
    circle = _end(world, days_ago=1)
    assert circle.status_since == _days_ago(1) == circle.status_changed_on


def test_a_step_down_decided_at_a_review_dates_from_the_review(world):
    circle = world.objects["circle"]
    milestone = circle.milestones.order_by("due_on").first()
    services.review_record(
        milestone=milestone,
        decision="STEP_DOWN",
        attendees="All",
        progress_notes="Ready to taper.",
        acting_user=world.users["owner"],
        completed_on=_days_ago(5),
    )
    circle.refresh_from_db()
    assert (circle.status, circle.status_since) == (Circle.Status.STEP_DOWN, _days_ago(5))


# The backfill for circles that changed status before the date was stored ----------------------


def test_backfill_dates_from_history_and_cancels_reviews_of_ended_circles(world):
    migration = importlib.import_module(
        "circles.migrations.0009_circle_status_dates_and_cancelled_reviews"
    )
    stepped = _stepped_down(world)
    ended = world.objects["other_circle"]
    ended = services.circle_end(
        circle=ended,
        reason=Circle.EndReason.OTHER,
        ended_on=_days_ago(2),
        acting_user=world.users["other_coordinator"],
    )
    # As the rows stood before this change: no status date, reviews still outstanding.
    Circle.objects.update(status_changed_on=None)
    ended.milestones.update(cancelled_on=None)
    migration.backfill(apps, None)
    stepped.refresh_from_db()
    ended.refresh_from_db()
    assert stepped.status_changed_on == timezone.localdate()  # the day history recorded it
    assert stepped.status_changed_on != stepped.launched_on
    assert ended.status_changed_on == _days_ago(2)
    assert set(ended.milestones.values_list("cancelled_on", flat=True)) == {_days_ago(2)}


def test_ended_circle_page_and_list_queries_do_not_grow_with_who_served(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    circle = _end(world)
    client.force_login(world.users["manager"])

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    detail = reverse("circles:detail", args=[circle.pk])
    before = (count(detail), count(reverse("circles:index")))
    # Two more who served and left before the end.
    for membership in world.objects["other_circle"].memberships.select_related("volunteer"):
        circle.memberships.create(
            volunteer=membership.volunteer,
            joined_on=circle.launched_on,
            left_on=circle.ended_on,
        )
    after = (count(detail), count(reverse("circles:index")))
    assert before == after
    # The pins of devtools/tests/test_bench_query_counts.py: circle page 15, list 7.
    assert after[0] <= 15 and after[1] <= 7
