"""Choosing a first password, or a new one, by e-mail link."""

import re

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


def test_a_new_account_chooses_its_first_password_from_the_link():
    user = _new_volunteer()
    assert not user.has_usable_password()
    browser = Client()
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
