"""Session limits, password rules and hashing."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.middleware import LOGIN_AT, SEEN_AT
from accounts.services import user_deactivate
from accounts.tests.factories import CoordinatorFactory


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = session[key] - ago
    session.save()


@pytest.mark.django_db
def test_an_idle_session_ends_with_a_message(client):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    assert client.get("/circles/").status_code == 200
    age_session(client, **{SEEN_AT: settings.SESSION_IDLE_SECONDS + 1})
    response = client.get("/circles/", follow=True)
    assert response.redirect_chain[0][0].startswith("/login/?next=")
    assert "15 idle minutes" in response.content.decode()


@pytest.mark.django_db
def test_activity_keeps_a_session_but_twelve_hours_end_it(client):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    client.get("/circles/")
    age_session(client, **{LOGIN_AT: 11 * 3600, SEEN_AT: 60})
    assert client.get("/circles/").status_code == 200
    age_session(client, **{LOGIN_AT: 3600 + 1})
    response = client.get("/circles/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_the_keepalive_restarts_the_idle_clock(client):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    client.get("/circles/")
    age_session(client, **{SEEN_AT: settings.SESSION_IDLE_SECONDS - 30})
    assert client.get("/session/keepalive/").status_code == 200
    assert client.session[SEEN_AT] >= client.session[LOGIN_AT]
    age_session(client, **{SEEN_AT: 60})
    assert client.get("/circles/").status_code == 200


def _session_writes(captured):
    return [q["sql"] for q in captured if q["sql"].startswith('UPDATE "django_session"')]


@pytest.mark.django_db
def test_a_page_view_writes_the_session_only_when_the_idle_clock_moves_a_minute(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    seen = client.session[SEEN_AT]
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/circles/").status_code == 200
    assert _session_writes(captured) == []
    assert client.session[SEEN_AT] == seen
    age_session(client, **{SEEN_AT: settings.SESSION_TOUCH_SECONDS})
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/circles/").status_code == 200
    assert len(_session_writes(captured)) == 1
    assert client.session[SEEN_AT] >= seen


@pytest.mark.django_db
def test_the_page_starts_its_timer_from_what_the_server_has_left(client):
    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    age_session(client, **{SEEN_AT: 30})
    page = client.get("/circles/").content.decode()
    left = int(page.split('data-session-seconds-left="')[1].split('"')[0])
    assert settings.SESSION_IDLE_SECONDS - 31 <= left <= settings.SESSION_IDLE_SECONDS - 30
    # ... and the server ends it then, not later.
    age_session(client, **{SEEN_AT: left + 1})
    assert client.get("/circles/")["Location"].startswith("/login/?next=")


@pytest.mark.django_db
def test_the_keepalive_always_restarts_the_clock_and_an_autosave_never_does(client):
    import time

    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    age_session(client, **{SEEN_AT: 10})
    before = client.session[SEEN_AT]
    client.get("/circles/", HTTP_X_COSA_DRAFT="1")
    assert client.session[SEEN_AT] == before
    assert client.get("/session/keepalive/").json() == {
        "idle_seconds": settings.SESSION_IDLE_SECONDS
    }
    assert client.session[SEEN_AT] >= int(time.time()) - 1 > before


@pytest.mark.django_db
def test_pages_carry_the_idle_warning_settings(client):
    client.force_login(CoordinatorFactory())
    page = client.get("/circles/").content.decode()
    assert f'data-session-idle-seconds="{settings.SESSION_IDLE_SECONDS}"' in page
    assert "data-session-seconds-left=" in page
    assert 'id="session-warning"' in page
    assert "js/session-timeout.js" in page


@pytest.mark.django_db
def test_session_cookies_are_secure_and_http_only_in_production_settings():
    # cosa.settings defaults (DEBUG off) are production; the tests run over HTTP only.
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_AGE == 15 * 60


@pytest.mark.django_db
def test_deactivation_ends_every_session(client):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    other_browser = Client()
    other_browser.force_login(coordinator)
    user_deactivate(user=coordinator, acting_user=None)
    for browser in (client, other_browser):
        assert browser.get("/circles/")["Location"].startswith("/login/")


@pytest.mark.django_db
def test_a_password_change_ends_other_sessions(client):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    coordinator.set_password("a-brand-new-long-passphrase")
    coordinator.save(update_fields=["password"])
    assert client.get("/circles/")["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "password", ["short-pw-1", "password12345", "123456789012345", "1qaz2wsx3edc"]
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_passphrase_is_accepted():
    validate_password("violet-harbour-cinnamon-47")


def test_production_hashes_with_argon2():
    from cosa import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
