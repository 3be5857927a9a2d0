import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from circles.models import Meeting
from cosa.tests.world import LEAK_MARKERS

pytestmark = pytest.mark.django_db
_minutes = iter(range(1, 10**6))


def _meetings(circle, n, status=Meeting.Status.SCHEDULED):
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    for _ in range(n):
        Meeting.objects.create(
            circle=circle,
            starts_at=start + datetime.timedelta(minutes=next(_minutes)),
            status=status,
            cancelled_reason="Venue closed" if status == Meeting.Status.CANCELLED else "",
        )


def test_an_outsider_gets_404_on_a_circle_calendar(client, world):
    for who in (
        "other_coordinator",
        "volunteer_other_circle",
        "volunteer_left",
        "liaison_assigned",
    ):
        client.force_login(world.users[who])
        url = reverse("calendars:circle", args=[world.objects["circle"].pk])
        assert client.get(url).status_code == 404, who


def test_a_logged_out_visitor_is_sent_to_login(client, world):
    response = client.get(reverse("calendars:mine"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_coordinators_calendar_shows_only_their_circles(client, world):
    _meetings(world.objects["circle"], 1)
    _meetings(world.objects["other_circle"], 1)
    client.force_login(world.users["owner"])
    response = client.get(reverse("calendars:mine"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.objects["circle"].name in body
    for marker in LEAK_MARKERS:
        assert marker not in body
    assert 'aria-current="date"' in body
    assert AccessLog.objects.filter(user=world.users["owner"], action="LIST").exists()


def test_a_volunteer_sees_their_circle_and_cancelled_meetings_struck_through(client, world):
    _meetings(world.objects["circle"], 1, status=Meeting.Status.CANCELLED)
    client.force_login(world.users["volunteer_in_circle"])
    response = client.get(reverse("calendars:circle", args=[world.objects["circle"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<s>" in body
    assert "Cancelled" in body
    meeting = world.objects["circle"].meetings.filter(status=Meeting.Status.CANCELLED).first()
    assert reverse("circles:note_detail", args=[meeting.circle_id, meeting.pk]) in body


@pytest.mark.parametrize("view", ["week", "month"])
@pytest.mark.parametrize("date", ["", "2026-13-45", "9999-01-01", "2026-03-29", "2026-10-25"])
def test_bad_or_clock_change_dates_are_no_500(client, world, view, date):
    client.force_login(world.users["owner"])
    response = client.get(reverse("calendars:mine"), {"view": view, "date": date})
    assert response.status_code == 200


def test_month_view_navigates_between_months(client, world):
    client.force_login(world.users["owner"])
    response = client.get(reverse("calendars:mine"), {"view": "month", "date": "2026-03-15"})
    body = response.content.decode()
    assert "March 2026" in body
    assert "date=2026-02-01" in body and "date=2026-04-01" in body


@pytest.mark.parametrize("view", ["week", "month"])
def test_calendar_query_count_is_constant(client, world, django_assert_max_num_queries, view):
    client.force_login(world.users["owner"])
    url = reverse("calendars:mine") + f"?view={view}"
    counts = []
    for n in (1, 20):
        _meetings(world.objects["circle"], n)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(15):
        client.get(url)


@pytest.mark.parametrize("who", ["owner", "volunteer_in_circle"])
def test_the_navigation_links_to_the_calendar(client, world, who):
    client.force_login(world.users[who])
    response = client.get(reverse("calendars:feed_settings"))
    assert reverse("calendars:mine").encode() in response.content


def test_a_liaison_has_no_calendar_link_and_an_empty_calendar(client, world):
    _meetings(world.objects["circle"], 1)
    client.force_login(world.users["liaison_assigned"])
    response = client.get(reverse("calendars:mine"))
    assert world.objects["circle"].name.encode() not in response.content
    assert b'class="nav-link" href="/calendar/"' not in response.content
