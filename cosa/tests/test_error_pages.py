"""The branded 500 page and the 503 page served while the database is unavailable.

A database restart takes a few seconds; requests in that window must get "try again
in a moment" (503, Retry-After), and a POST must give its author their typed text
back, escaped, and only to a request that looks logged in and passed the CSRF check.
"""

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import views as accounts_views
from accounts.tests.factories import VolunteerUserFactory
from circles.views import minutes as views_minutes
from cosa.middleware import DatabaseUnavailableMiddleware, kept_text
from cosa.views import server_error

pytestmark = pytest.mark.django_db

XSS = '</textarea><script>alert("x")</script>'
CONCERN_URL = "/circles/1/concerns/new/"


def database_down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def refuse_queries(execute, sql, params, many, context):
    """The database is down: every query fails (the test's own savepoints still work)."""
    if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
        return execute(sql, params, many, context)
    raise OperationalError("could not connect to server: Connection refused")


@pytest.fixture
def volunteer_client(client):
    client.force_login(VolunteerUserFactory())
    return client


@pytest.fixture
def view_meets_database_error(monkeypatch):
    # The view's first step (its access helper) meets the outage.
    monkeypatch.setattr(views_minutes, "circle_for_user", database_down)


# Negative paths first: nothing is echoed to whoever does not look like its author.


def test_an_anonymous_post_gets_the_message_but_never_its_text_back(monkeypatch):
    monkeypatch.setattr(accounts_views.throttle, "login_refused", database_down)
    response = Client().post(
        reverse("accounts:login"),
        {"username": "someone@example.org", "password": "a-secret-pass", "note": XSS},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 503
    body = response.content.decode()
    assert "Try again in a moment" in body
    assert "someone@example.org" not in body and "a-secret-pass" not in body
    assert "alert" not in body and "<textarea" not in body


def test_a_post_without_a_valid_csrf_token_is_not_echoed():
    request = RequestFactory().post("/circles/1/concerns/new/", {"summary": "typed text"})
    request.COOKIES["sessionid"] = "looks-logged-in"
    assert kept_text(request) == []  # no CSRF cookie or token: refused
    request.csrf_processing_done = True  # CsrfViewMiddleware had accepted it
    assert kept_text(request) == [("summary", "typed text")]


def test_a_forged_cross_site_post_during_an_outage_is_not_echoed(volunteer_client):
    """A page elsewhere posts a script to the victim's browser, with their cookie."""
    forger = Client(enforce_csrf_checks=True, raise_request_exception=False)
    forger.cookies = volunteer_client.cookies
    with connection.execute_wrapper(refuse_queries):
        response = forger.post(
            CONCERN_URL,
            {"concern_description": XSS},
            HTTP_ORIGIN="https://evil.example",
            REMOTE_ADDR="192.0.2.66",
        )
    assert response.status_code == 503
    assert "alert" not in response.content.decode()


def test_a_get_during_an_outage_is_503_with_retry_after(
    volunteer_client, view_meets_database_error
):
    response = volunteer_client.get(CONCERN_URL)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "Try again in a moment" in response.content.decode()
    assert "<textarea" not in response.content.decode()


def test_a_logged_in_post_keeps_its_text_escaped_without_passwords_or_tokens(
    volunteer_client, view_meets_database_error
):
    for address in ("198.51.100.7", "2001:db8::5"):
        response = volunteer_client.post(
            CONCERN_URL,
            {
                "concern_description": f"He said he went to the park. {XSS}",
                "concern_category": "OTHER",
                "csrfmiddlewaretoken": "csrf-token-value",
                "password": "hunter2-hunter2",
                "otp_token": "123456",
                "form_token": "one-time-token-value",
            },
            REMOTE_ADDR=address,
        )
        assert response.status_code == 503
        assert response["Retry-After"]
        body = response.content.decode()
        assert "Copy your text" in body
        assert "He said he went to the park." in body
        assert "&lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
        assert "<script>alert" not in body
        assert body.count("readonly") == 2  # the description and the category
        for hidden in ("csrf-token-value", "hunter2-hunter2", "123456", "one-time-token-value"):
            assert hidden not in body
        # The page keeps the security headers of every other page.
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_database_down_before_the_view_runs_also_gets_503_with_the_text(volunteer_client):
    """The session itself cannot be loaded: the error is raised by middleware, not a view."""
    volunteer_client.raise_request_exception = False  # as in production: the handler answers
    with connection.execute_wrapper(refuse_queries):
        response = volunteer_client.post(CONCERN_URL, {"concern_description": "Typed at 21:04"})
        get = volunteer_client.get("/")
    assert response.status_code == 503
    assert "Typed at 21:04" in response.content.decode()
    assert get.status_code == 503 and get["Retry-After"]


def test_the_middleware_leaves_other_errors_to_the_500_page():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, OperationalError("down")).status_code == 503


# The 500 page.


def test_the_500_page_is_branded(volunteer_client, monkeypatch, settings):
    assert settings.DEBUG is False

    def bug(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(views_minutes, "circle_for_user", bug)
    volunteer_client.raise_request_exception = False
    response = volunteer_client.get(CONCERN_URL)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "Server Error (500)" not in body
    assert "/static/css/cosa.css" in body
    assert "a bug, not an outage" not in body


def test_the_500_page_renders_without_database_or_session():
    request = RequestFactory().get("/")  # no session, no user, no context processors
    with connection.execute_wrapper(refuse_queries):
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
