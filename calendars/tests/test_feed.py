import datetime
import re

import icalendar
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, User
from accounts.services import user_deactivate
from calendars import services
from calendars.models import FeedToken
from circles import services as circle_services
from circles.models import Meeting

pytestmark = pytest.mark.django_db
_minutes = iter(range(1, 10**6))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _feed(user, **kwargs):
    raw = services.feed_token_create(user=user, acting_user=user, **kwargs)
    return raw, reverse("calendars:feed", kwargs={"token": raw})


def _soon(circle, venue="Hall 3"):
    return Meeting.objects.create(
        circle=circle,
        starts_at=timezone.now() + datetime.timedelta(days=2, minutes=next(_minutes)),
        venue=venue,
    )


def test_a_wrong_token_gets_404(client, world):
    _feed(world.users["owner"])
    assert client.get(reverse("calendars:feed", kwargs={"token": "not-a-token"})).status_code == 404


def test_a_revoked_token_gets_404(client, world):
    user = world.users["owner"]
    _, url = _feed(user)
    services.feed_token_revoke(user=user, acting_user=user)
    assert client.get(url).status_code == 404


def test_a_reset_token_kills_the_old_address(client, world):
    user = world.users["owner"]
    _, old = _feed(user)
    _, new = _feed(user)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_token_is_not_stored_in_clear(world):
    raw, _ = _feed(world.users["owner"])
    token = FeedToken.objects.get(user=world.users["owner"])
    assert raw not in token.token_hash
    assert len(token.token_hash) == 64


def test_deactivation_deletes_the_token(client, world):
    user = world.users["owner"]
    _, url = _feed(user)
    user_deactivate(user=user)
    assert not FeedToken.objects.filter(user=user).exists()
    assert client.get(url).status_code == 404


def test_a_role_change_revokes_the_token(client, world):
    user = world.users["volunteer_in_circle"]
    _, url = _feed(user)
    user.role = User.Role.COORDINATOR
    user.save()
    assert not FeedToken.objects.filter(user=user).exists()
    assert client.get(url).status_code == 404


def test_leaving_a_circle_drops_it_from_the_feed(client, world):
    user = world.users["volunteer_in_circle"]
    circle = world.objects["circle"]
    _soon(circle)
    _, url = _feed(user)
    assert circle.name.encode() in client.get(url).content
    circle_services.membership_end(membership=world.objects["membership"], reason="Moved away")
    response = client.get(url)
    assert response.status_code == 200
    assert circle.name.encode() not in response.content


def test_the_rate_limit_answers_429(client, world, settings, monkeypatch):
    # An hour's window: a slow machine's requests never straddle the window's edge.
    monkeypatch.setattr("calendars.feed.WINDOW_SECONDS", 3600)
    settings.COSA_CALENDAR_FEED_PER_MINUTE = 2
    _, url = _feed(world.users["owner"])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429


def test_a_wrong_token_hammering_is_rate_limited_by_address(client, world, settings, monkeypatch):
    # An hour's window: a slow machine's requests never straddle the window's edge.
    monkeypatch.setattr("calendars.feed.WINDOW_SECONDS", 3600)
    settings.COSA_CALENDAR_FEED_PER_MINUTE = 1
    codes = [
        client.get(reverse("calendars:feed", kwargs={"token": f"guess{i}"})).status_code
        for i in range(6)
    ]
    assert codes[:4] == [404] * 4
    assert codes[-1] == 429


def test_the_feed_carries_no_personal_data_and_no_venue_by_default(client, world):
    circle = world.objects["circle"]
    _soon(circle, venue="Secret Venue Hall")
    _soon(world.objects["other_circle"])
    _, url = _feed(world.users["owner"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    core_member = world.objects["core_member"]
    for secret in (core_member.first_name, core_member.last_name, "Secret Venue Hall", "Marmalade"):
        assert secret not in body
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert events and all(str(e["summary"]).startswith(circle.name) for e in events)


def test_the_venue_is_included_when_the_user_asks(client, world):
    _soon(world.objects["circle"], venue="Community Hall 7")
    _, url = _feed(world.users["owner"], include_venue=True)
    assert b"Community Hall 7" in client.get(url).content


def test_a_feed_read_is_in_the_access_log_without_the_token(client, world):
    raw, url = _feed(world.users["owner"])
    client.get(url)
    row = AccessLog.objects.filter(object_type="calendars.feedtoken").get()
    assert row.user == world.users["owner"]
    assert raw not in row.path
    assert FeedToken.objects.get(user=world.users["owner"]).last_used_at is not None


def test_the_feed_query_count_is_constant(client, world, django_assert_max_num_queries):
    _, url = _feed(world.users["owner"])
    for n in (1, 20):
        for _ in range(n):
            _soon(world.objects["circle"])
        cache.clear()
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200


def test_the_settings_page_shows_the_address_once(client, world):
    client.force_login(world.users["volunteer_in_circle"])
    response = client.post(reverse("calendars:feed_create"), follow=True)
    body = response.content.decode()
    match = re.search(r'value="(http[^"]+\.ics)"', body)
    assert match
    again = client.get(reverse("calendars:feed_settings")).content.decode()
    assert match.group(1) not in again
    client.logout()
    assert client.get(match.group(1)).status_code == 200


def test_an_outsider_cannot_switch_off_someone_elses_feed(client, world):
    owner = world.users["owner"]
    _feed(owner)
    client.force_login(world.users["other_coordinator"])
    client.post(reverse("calendars:feed_revoke"))
    assert FeedToken.objects.filter(user=owner).exists()


def _event(client, url, meeting):
    events = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")
    return next(e for e in events if str(e["uid"]).startswith(f"meeting-{meeting.pk}@"))


def test_a_cached_event_follows_every_change_to_its_meeting(client, world):
    meeting = _soon(world.objects["circle"], venue="Hall 3")
    _, url = _feed(world.users["owner"], include_venue=True)
    first = client.get(url).content
    assert client.get(url).content == first  # the second read comes from the cache
    event = _event(client, url, meeting)
    assert str(event["location"]) == "Hall 3" and str(event["status"]) == "CONFIRMED"
    # iCalendar times are to the second.
    moved = (meeting.starts_at + datetime.timedelta(hours=3)).replace(microsecond=0)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=moved,
        duration_minutes=45,
        venue="Hall 9",
        status=Meeting.Status.CANCELLED,
        cancelled_reason="Venue flooded",
    )
    event = _event(client, url, meeting)
    assert event.decoded("dtstart") == moved
    assert event.decoded("dtend") == moved + datetime.timedelta(minutes=45)
    assert str(event["location"]) == "Hall 9"
    assert str(event["status"]) == "CANCELLED"
    circle = world.objects["circle"]
    type(circle).objects.filter(pk=circle.pk).update(name="Renamed circle")
    assert str(_event(client, url, meeting)["summary"]).startswith("Renamed circle")


def test_a_cached_event_with_a_venue_is_not_served_to_a_feed_without_one(client, world):
    meeting = _soon(world.objects["circle"], venue="Community Hall 7")
    owner = world.users["owner"]
    _, with_venue = _feed(owner, include_venue=True)
    assert b"Community Hall 7" in client.get(with_venue).content
    services.feed_venue_set(user=owner, acting_user=owner, include_venue=False)
    assert b"Community Hall 7" not in client.get(with_venue).content
    assert "location" not in _event(client, with_venue, meeting)
