"""Before the second factor, the two-factor pages show no navigation and no user name."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEMO_PASSWORD, CoordinatorFactory, ManagerFactory
from accounts.two_factor import backup_codes_create, enrol_right_grant

pytestmark = pytest.mark.django_db

NAV_MARKERS = ('id="main-nav"', 'href="/circles/"', "account menu", "Backup codes</a>")


def person():
    return CoordinatorFactory(first_name="Wilhelmina", last_name="Quenby")


def password_only(user):
    session = Client()
    assert (
        session.post("/login/", {"username": user.email, "password": DEMO_PASSWORD}).status_code
        == 302
    )
    return session


def assert_anonymous_looking(page):
    assert page.status_code == 200
    html = page.content.decode()
    assert "Wilhelmina" not in html and "Quenby" not in html
    assert "Coordinator" not in html  # nor the role
    for marker in NAV_MARKERS:
        assert marker not in html, marker


def test_the_code_step_shows_no_navigation_or_name():
    user = person()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    assert_anonymous_looking(password_only(user).get(reverse("accounts:two_factor_verify")))


def test_the_enrolment_page_shows_no_navigation_or_name():
    user = person()
    assert_anonymous_looking(password_only(user).get(reverse("accounts:two_factor_enrol")))


def test_first_set_up_shows_no_navigation_or_name():
    user = person()
    session = password_only(user)

    # The set-up page as the owner of a new account sees it (with the enrolment right).
    class Request:
        pass

    request = Request()
    request.session = session.session
    enrol_right_grant(request, user, via="set-password link")
    request.session.save()
    page = session.get(reverse("accounts:two_factor_setup"))
    assert b"data:image/svg" in page.content
    assert_anonymous_looking(page)


def test_once_verified_the_two_factor_pages_show_the_usual_navigation(client):
    user = person()
    backup_codes_create(user=user)
    client.force_login(user)
    html = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert 'id="main-nav"' in html and "Wilhelmina" in html
    html = client.get(reverse("accounts:two_factor_codes")).content.decode()
    assert 'id="main-nav"' in html


def test_a_manager_page_keeps_its_navigation(client):
    manager = ManagerFactory()
    target = person()
    client.force_login(manager)
    html = client.get(reverse("accounts:two_factor_enrolment_code", args=[target.pk])).content
    assert b'id="main-nav"' in html
