"""Choosing a first password, or a new one, by e-mail link."""

import contextlib
import datetime
import re
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AccessLog, User
from accounts.services import user_create

pytestmark = pytest.mark.django_db


def _new_volunteer():
    return user_create(
        email="new.volunteer@example.org",
        first_name="Nia",
        last_name="Newcombe",
        role=User.Role.VOLUNTEER,
    )


def test_an_unknown_address_gets_the_same_page_and_no_mail():
    browser = Client()
    response = browser.post("/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"
    assert mail.outbox == []


def test_a_deactivated_account_gets_no_link():
    user = _new_volunteer()
    user.is_active = False
    user.save(update_fields=["is_active"])
    Client().post("/password/reset/", {"email": user.email})
    assert mail.outbox == []


def test_a_new_account_chooses_its_first_password_from_the_link(django_capture_on_commit_callbacks):
    user = _new_volunteer()
    assert not user.has_usable_password()
    browser = Client()
    with worker(), django_capture_on_commit_callbacks(execute=True):
        browser.post("/password/reset/", {"email": "NEW.volunteer@example.org"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Newcombe" not in message.body  # the link only
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", message.body).group(1)
    form_page = browser.get(link, follow=True)
    assert "Choose a password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = browser.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200
    user.refresh_from_db()
    assert not user.has_usable_password()
    done = browser.post(
        set_url,
        {
            "new_password1": "violet-harbour-cinnamon-47",
            "new_password2": "violet-harbour-cinnamon-47",
        },
    )
    assert done["Location"] == "/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password("violet-harbour-cinnamon-47")
    # The link works once.
    again = browser.get(link, follow=True).content.decode()
    assert "no longer works" in again
    # Then the usual login, which asks for the second factor next.
    login = Client()
    response = login.post(
        "/login/", {"username": user.email, "password": "violet-harbour-cinnamon-47"}
    )
    assert response.status_code == 302
    assert login.get("/")["Location"].startswith("/account/two-factor/setup/")
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.LOGIN).exists()


# Throttled, sent by a task, the same answer either way ----------------------------------

RESET = "/password/reset/"


@contextlib.contextmanager
def worker():
    """Run each enqueued reset task for real once the request's transaction commits."""
    from accounts import tasks

    ids = []
    with mock.patch.object(tasks.send_password_reset, "delay", side_effect=ids.append):
        yield ids
    for request_id in ids:
        tasks.send_password_reset(request_id)


def _ask(email, address="192.0.2.10", **extra):
    return Client(REMOTE_ADDR=address).post(RESET, {"email": email}, **extra)


def test_eight_requests_for_one_address_send_at_most_three_mails(
    django_capture_on_commit_callbacks,
):
    user = _new_volunteer()
    for _ in range(8):
        with worker(), django_capture_on_commit_callbacks(execute=True):
            response = _ask(user.email)
        assert response["Location"] == "/password/reset/sent/"
    assert len(mail.outbox) == 3
    # From another source it is still throttled: the address's own limit.
    with worker(), django_capture_on_commit_callbacks(execute=True):
        _ask(user.email.upper(), "198.51.100.9")
    assert len(mail.outbox) == 3
    # Another address is not held up by the first one's limit.
    other = user_create(
        email="other.volunteer@example.org",
        first_name="Ola",
        last_name="Other",
        role=User.Role.VOLUNTEER,
    )
    with worker(), django_capture_on_commit_callbacks(execute=True):
        _ask(other.email)
    assert [m.to for m in mail.outbox[3:]] == [[other.email]]


def test_one_source_asking_for_many_addresses_is_throttled_but_others_are_not(
    django_capture_on_commit_callbacks,
):
    user = _new_volunteer()
    for n in range(10):
        with worker(), django_capture_on_commit_callbacks(execute=True):
            _ask(f"probe{n}@example.org", "203.0.113.5")
    with worker() as ids, django_capture_on_commit_callbacks(execute=True):
        response = _ask(user.email, "203.0.113.5")
    assert response["Location"] == "/password/reset/sent/"
    assert ids == [] and mail.outbox == []
    with worker(), django_capture_on_commit_callbacks(execute=True):
        _ask(user.email, "198.51.100.10")
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_the_request_sends_no_mail_and_looks_the_same_for_any_address(
    django_capture_on_commit_callbacks,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = _new_volunteer()
    answers = []
    for email in (user.email, "nobody@example.org"):
        mails_before = len(mail.outbox)
        with worker() as ids:
            with (
                mock.patch(
                    "django.core.mail.EmailMessage.send",
                    side_effect=AssertionError("mail sent in the request"),
                ),
                django_capture_on_commit_callbacks(execute=True),
                CaptureQueriesContext(connection) as queries,
            ):
                response = Client(REMOTE_ADDR="192.0.2.20").post(RESET, {"email": email})
                page = Client().get(response["Location"])
            # Enqueued, and the account not even looked up in the request.
            assert len(ids) == 1
            assert not any('"accounts_user"' in q["sql"] for q in queries.captured_queries)
            assert len(mail.outbox) == mails_before
        answers.append((response.status_code, response["Location"], page.content, len(queries)))
    assert answers[0] == answers[1]
    # The worker, afterwards, mailed the one address that has an account.
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_the_task_sends_a_working_link_once():
    from accounts import throttle
    from accounts.tasks import send_password_reset

    user = _new_volunteer()
    reset = throttle.password_reset_request(email=" New.Volunteer@example.org ", ip_address=None)
    send_password_reset(reset.pk)
    send_password_reset(reset.pk)  # delivered twice: sent once
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "24 hours" in message.body
    link = re.search(r"http://127\.0\.0\.1:8000(/password/reset/\S+/)", message.body).group(1)
    browser = Client()
    form_page = browser.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = browser.post(
        set_url,
        {"new_password1": "copper-lantern-meadow-93", "new_password2": "copper-lantern-meadow-93"},
    )
    assert done["Location"] == "/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password("copper-lantern-meadow-93")


def test_the_task_for_an_address_without_an_account_sends_nothing():
    from accounts import throttle
    from accounts.tasks import send_password_reset

    reset = throttle.password_reset_request(email="nobody@example.org", ip_address="192.0.2.1")
    send_password_reset(reset.pk)
    assert mail.outbox == []


# Links expire within a day ----------------------------------------------------------------


@pytest.mark.parametrize(
    "factory_name",
    ["CoordinatorFactory", "ManagerFactory", "LiaisonFactory", "VolunteerUserFactory"],
)
@pytest.mark.parametrize(("hours", "works"), [(23, True), (25, False)])
def test_a_link_works_for_a_day_at_most(factory_name, hours, works):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.tests import factories

    user = getattr(factories, factory_name)()
    issued = datetime.datetime.now() - datetime.timedelta(hours=hours)
    with mock.patch.object(default_token_generator, "_now", return_value=issued):
        token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    page = Client().get(f"/password/reset/{uid}/{token}/", follow=True).content.decode()
    assert ("no longer works" not in page) is works
