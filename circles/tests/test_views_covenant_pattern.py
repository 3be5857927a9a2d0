"""The covenant (versioned) and the meeting pattern, from the circle's own pages."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.models import Circle, Frequency, Meeting
from circles.tests.factories import MeetingFactory, launchable_circle

pytestmark = pytest.mark.django_db

GOALS = "Meet every week; build a routine; no secrets."


@pytest.fixture
def circle(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    return services.circle_launch(circle=circle, acting_user=coordinator)


def _member_user(circle):
    return circle.memberships.current().select_related("volunteer__user")[0].volunteer.user


def _future_meetings(circle):
    return list(
        circle.meetings.filter(starts_at__gte=timezone.now(), status=Meeting.Status.SCHEDULED)
    )


def _covenant_url(circle):
    return reverse("circles:covenant", args=[circle.pk])


def _pattern_url(circle):
    return reverse("circles:pattern", args=[circle.pk])


def _pattern(circle, **overrides):
    data = {
        "weekday": circle.weekday,
        "meeting_time": circle.meeting_time.strftime("%H:%M"),
        "venue": circle.venue,
        "frequency": circle.frequency,
        "duration_minutes": circle.duration_minutes,
    }
    data.update(overrides)
    return data


# Who may change them --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [_covenant_url, _pattern_url])
@pytest.mark.parametrize("user_factory", [CoordinatorFactory, LiaisonFactory])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_are_told_the_circle_does_not_exist(client, circle, url, user_factory, method):
    client.force_login(user_factory())
    data = {
        "goals": "Hijack",
        "frequency": "MONTHLY",
        "agreed_on": timezone.localdate().isoformat(),
    }
    response = getattr(client, method)(url(circle), data | _pattern(circle, venue="Elsewhere"))
    assert response.status_code == 404
    circle.refresh_from_db()
    assert circle.covenants.count() == 1
    assert circle.venue != "Elsewhere"


@pytest.mark.parametrize("url", [_covenant_url, _pattern_url])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_circles_volunteer_sees_but_may_not_change(client, circle, url, method):
    client.force_login(_member_user(circle))
    response = getattr(client, method)(url(circle), _pattern(circle, venue="Elsewhere"))
    assert response.status_code == 403
    circle.refresh_from_db()
    assert circle.venue != "Elsewhere"


# Covenant ------------------------------------------------------------------------------------


def test_agreeing_again_at_the_same_frequency_makes_a_version_and_moves_nothing(
    client, circle, coordinator
):
    meetings = _future_meetings(circle)
    client.force_login(coordinator)
    response = client.post(
        _covenant_url(circle),
        {
            "goals": "Find voluntary work.",
            "frequency": "WEEKLY",
            "agreed_on": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 302
    latest = circle.covenants.order_by("-version").first()
    assert (latest.version, latest.goals, latest.recorded_by) == (
        2,
        "Find voluntary work.",
        coordinator,
    )
    assert _future_meetings(circle) == meetings
    assert "Covenant version 2 agreed." in client.get(response["Location"]).content.decode()


def test_a_new_frequency_makes_a_version_and_reschedules_future_meetings(
    client, circle, coordinator
):
    today = timezone.localdate()
    client.force_login(coordinator)
    response = client.post(
        _covenant_url(circle),
        {"goals": "Taper off.", "frequency": "FORTNIGHTLY", "agreed_on": today.isoformat()},
    )
    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.frequency == Frequency.FORTNIGHTLY
    days = [timezone.localdate(m.starts_at) for m in _future_meetings(circle)]
    assert len(days) >= 2
    assert all((b - a).days == 14 for a, b in itertools.pairwise(days))
    page = client.get(response["Location"]).content.decode()
    assert "Meetings are now fortnightly" in page

    history = client.get(_covenant_url(circle)).content.decode()
    assert "Version 2" in history and "Version 1" in history
    assert history.index("Version 2") < history.index("Version 1")
    assert "Taper off." in history and GOALS in history


@pytest.mark.parametrize(
    "data, message",
    [
        ({"goals": "   ", "frequency": "WEEKLY"}, "This field is required."),
        ({"goals": "Ok", "frequency": "DAILY"}, "Select a valid choice."),
        ({"goals": "Ok", "frequency": "WEEKLY", "agreed_on": "2999-01-01"}, "in the future"),
        ({"goals": "Ok", "frequency": "WEEKLY", "agreed_on": "31/02/2026"}, "Enter a valid date."),
    ],
)
def test_bad_covenant_input_is_a_form_error(client, circle, coordinator, data, message):
    data = {"agreed_on": timezone.localdate().isoformat()} | data
    client.force_login(coordinator)
    response = client.post(_covenant_url(circle), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert circle.covenants.count() == 1


def test_an_ended_circles_covenant_is_read_only(client, circle, coordinator):
    services.circle_end(circle=circle, reason="COMPLETED", acting_user=coordinator)
    client.force_login(coordinator)
    page = client.get(_covenant_url(circle)).content.decode()
    assert "This circle has ended." in page
    response = client.post(
        _covenant_url(circle),
        {"goals": "More", "frequency": "WEEKLY", "agreed_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert circle.covenants.count() == 1


# Meeting pattern -----------------------------------------------------------------------------


def test_a_new_weekday_moves_only_future_unheld_meetings(client, circle, coordinator):
    held = MeetingFactory(
        circle=circle,
        starts_at=timezone.now() - datetime.timedelta(days=7),
        status=Meeting.Status.HELD,
    )
    client.force_login(coordinator)
    new_weekday = (circle.weekday + 1) % 7

    response = client.post(_pattern_url(circle), _pattern(circle, weekday=new_weekday))

    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.weekday == new_weekday
    held.refresh_from_db()
    assert held.status == Meeting.Status.HELD
    future = _future_meetings(circle)
    assert future
    assert {timezone.localtime(m.starts_at).weekday() for m in future} == {new_weekday}
    page = client.get(response["Location"]).content.decode()
    assert "Future meetings not yet held were rescheduled." in page


def test_a_new_frequency_re_agrees_the_covenant_with_the_same_goals(client, circle, coordinator):
    client.force_login(coordinator)
    response = client.post(_pattern_url(circle), _pattern(circle, frequency="MONTHLY"))
    assert response.status_code == 302
    latest = circle.covenants.order_by("-version").first()
    assert (latest.version, latest.frequency, latest.goals) == (2, "MONTHLY", GOALS)
    page = client.get(response["Location"]).content.decode()
    assert "covenant version 2 was recorded with the same goals" in page


def test_a_new_venue_keeps_the_covenant(client, circle, coordinator):
    client.force_login(coordinator)
    client.post(_pattern_url(circle), _pattern(circle, venue="Library, Room 1"))
    circle.refresh_from_db()
    assert circle.venue == "Library, Room 1"
    assert circle.covenants.count() == 1
    assert {m.venue for m in _future_meetings(circle)} == {"Library, Room 1"}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("venue", " ", "Say where the circle meets."),
        ("duration_minutes", "600", "less than or equal to 480"),
        ("meeting_time", "25:00", "Enter a valid time."),
        ("weekday", "7", "Select a valid choice."),
    ],
)
def test_bad_pattern_input_is_a_form_error_and_nothing_moves(
    client, circle, coordinator, field, value, message
):
    before = _future_meetings(circle)
    client.force_login(coordinator)
    response = client.post(_pattern_url(circle), _pattern(circle, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    stored = Circle.objects.get(pk=circle.pk)
    assert (stored.weekday, stored.venue, stored.duration_minutes) == (
        circle.weekday,
        circle.venue,
        circle.duration_minutes,
    )
    assert _future_meetings(circle) == before


def test_a_forming_circles_pattern_schedules_nothing(client, coordinator):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(coordinator)
    response = client.post(_pattern_url(circle), _pattern(circle, weekday=0))
    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.weekday == 0
    assert not circle.meetings.exists()
