"""Guessing at check-out and help links: counted per client address and overall, then 429;
a real link always works.

Different client addresses are simulated with REMOTE_ADDR (the test server has one);
X-Forwarded-For is only believed behind a configured proxy (accounts.audit.client_ip).
"""

import datetime
import secrets

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from loneworking import access
from loneworking.models import Alert
from loneworking.tests.conftest import start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limits(settings):
    settings.COSA_LONE_WORKING_LINK_GUESSES_PER_ADDRESS = 3
    settings.COSA_LONE_WORKING_LINK_GUESSES_TOTAL = 7
    return settings


def _guess(client, address, **extra):
    url = reverse("loneworking:link", args=[secrets.token_urlsafe(32)])
    return client.get(url, REMOTE_ADDR=address, **extra).status_code


def test_an_address_that_guesses_too_often_is_refused_but_a_real_link_still_works(
    client, case, limits
):
    checkin, raw = start(case)
    assert [_guess(client, "192.0.2.1") for _ in range(3)] == [404, 404, 404]
    assert _guess(client, "192.0.2.1") == 429
    response = client.get(
        reverse("loneworking:link", args=[secrets.token_urlsafe(32)]), REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429
    assert "999" in response.content.decode() and response["Cache-Control"] == "private, no-store"
    # The help button is never refused: the volunteer's own link works from that address.
    response = client.get(reverse("loneworking:link", args=[raw]), REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 200
    response = client.post(reverse("loneworking:link_help", args=[raw]), REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 302
    assert Alert.objects.filter(checkin=checkin).count() == 1


def test_a_forwarded_for_header_does_not_make_a_new_address(client, case, limits):
    start(case)
    codes = [_guess(client, "192.0.2.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}") for n in range(4)]
    assert codes == [404, 404, 404, 429]


def test_guesses_from_many_addresses_meet_the_overall_limit(client, case, limits):
    _, raw = start(case)
    codes = [_guess(client, f"198.51.100.{n}") for n in range(8)]
    assert codes == [404] * 7 + [429]
    # Overall: a fresh address's guess waits for the window to pass; a real link does not.
    assert _guess(client, "203.0.113.9") == 429
    assert (
        client.get(reverse("loneworking:link", args=[raw]), REMOTE_ADDR="203.0.113.9").status_code
        == 200
    )


def test_using_a_real_link_counts_nothing(client, case, limits):
    _, raw = start(case)
    for _ in range(10):
        assert (
            client.get(reverse("loneworking:link", args=[raw]), REMOTE_ADDR="192.0.2.1").status_code
            == 200
        )
    assert _guess(client, "192.0.2.1") == 404


def test_the_count_starts_again_in_the_next_window(case, limits):
    now = timezone.now()
    for _ in range(3):
        access.link_guess_count("192.0.2.1", now=now)
    assert access.link_guessing_refused("192.0.2.1", now=now)
    later = now + datetime.timedelta(minutes=limits.COSA_LONE_WORKING_LINK_GUESS_MINUTES)
    assert not access.link_guessing_refused("192.0.2.1", now=later)


def test_the_logged_in_check_in_page_still_works_while_links_are_paused(client, case, limits):
    checkin, _ = start(case)
    for n in range(8):
        _guess(client, f"198.51.100.{n}")
    client.force_login(case["vera"])
    response = client.post(
        reverse("loneworking:check_out", args=[checkin.pk]), REMOTE_ADDR="198.51.100.1"
    )
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.checked_out_at is not None


def test_a_volunteer_halfway_through_logging_in_still_reaches_their_link(case):
    from django.test import Client
    from django_otp.plugins.otp_static.models import StaticDevice

    checkin, raw = start(case)
    StaticDevice.objects.create(user=case["vera"], name="Backup codes", confirmed=True)
    password_only = Client()
    password_only.force_login(case["vera"])
    # Every other page still waits for the second factor.
    response = password_only.get(reverse("loneworking:mine"))
    assert response.status_code == 302 and "/login/two-factor/" in response["Location"]
    page = password_only.get(reverse("loneworking:link", args=[raw]))
    assert page.status_code == 200
    assert case["vera"].last_name not in page.content.decode()
    response = password_only.post(reverse("loneworking:link_help", args=[raw]))
    assert response.status_code == 302
    assert checkin.alerts.filter(step=Alert.Step.HELP).exists()
