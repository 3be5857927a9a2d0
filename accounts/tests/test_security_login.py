"""Two-factor login, lockout and the security log."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog
from accounts.tests.factories import (
    DEMO_PASSWORD,
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
    VolunteerUserFactory,
)
from accounts.two_factor import backup_codes_create, enrolment_code_issue

LOGIN = "/login/"


def password_step(client, user, password=DEMO_PASSWORD):
    return client.post(LOGIN, {"username": user.email, "password": password})


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def confirmed_totp(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def browser():
    """A plain client: it logs in through the real pages, both steps."""
    return Client()


@pytest.mark.django_db
def test_a_password_alone_reaches_no_page_with_data(browser):
    coordinator = CoordinatorFactory()
    confirmed_totp(coordinator)
    response = password_step(browser, coordinator)
    assert response.status_code == 302
    for path in ("/", "/circles/", "/core-members/", "/admin/"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("accounts:two_factor_verify")), path


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_logged(browser):
    coordinator = CoordinatorFactory()
    confirmed_totp(coordinator)
    password_step(browser, coordinator)
    response = browser.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert browser.get("/circles/").status_code == 302
    assert AccessLog.objects.filter(
        user=coordinator, action=AccessLog.Action.LOGIN_FAILED, detail="wrong two-factor code"
    ).exists()


@pytest.mark.django_db
def test_five_wrong_codes_end_the_session(browser):
    coordinator = CoordinatorFactory()
    confirmed_totp(coordinator)
    password_step(browser, coordinator)
    for _ in range(5):
        response = browser.post(reverse("accounts:two_factor_verify"), {"code": "123456"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert browser.get("/circles/")["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_authenticator_code_opens_the_start_page_with_a_new_session_id(browser):
    coordinator = CoordinatorFactory()
    device = confirmed_totp(coordinator)
    password_step(browser, coordinator)
    after_password = browser.cookies["sessionid"].value
    response = browser.post(
        reverse("accounts:two_factor_verify"), {"code": current_code(device), "next": "/circles/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/circles/"
    assert browser.cookies["sessionid"].value != after_password
    assert browser.get("/circles/").status_code == 200


@pytest.mark.django_db
def test_a_backup_code_works_once(browser):
    liaison = LiaisonFactory()
    codes = backup_codes_create(user=liaison)
    password_step(browser, liaison)
    response = browser.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert response.status_code == 302
    assert browser.get("/core-members/records/").status_code == 200

    again = Client()
    password_step(again, liaison)
    response = again.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert again.get("/core-members/records/").status_code == 302


@pytest.mark.django_db
def test_an_offsite_next_is_ignored(browser):
    liaison = LiaisonFactory()
    codes = backup_codes_create(user=liaison)
    password_step(browser, liaison)
    response = browser.post(
        reverse("accounts:two_factor_verify"),
        {"code": codes[1], "next": "https://evil.example.net/"},
    )
    assert response["Location"] == reverse("accounts:home")


@pytest.mark.django_db
def test_a_first_login_sets_up_an_authenticator_and_shows_backup_codes_once(browser):
    coordinator = CoordinatorFactory()
    password_step(browser, coordinator)
    response = browser.get("/circles/")
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    # A password alone enrols nothing: the first factor needs a manager's enrolment code.
    _row, code = enrolment_code_issue(user=coordinator, acting_user=ManagerFactory())
    assert browser.post(reverse("accounts:two_factor_enrol"), {"code": code}).status_code == 302

    page = browser.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert b'src="data:image/svg+xml;base64,' in page.content
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)

    refused = browser.post(reverse("accounts:two_factor_setup"), {"code": "999999"})
    assert refused.status_code == 200
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    # django-otp throttles a device after a wrong code; the user would wait a second.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)

    response = browser.post(reverse("accounts:two_factor_setup"), {"code": current_code(device)})
    assert response.status_code == 302
    codes_page = browser.get(response["Location"])
    tokens = set(
        StaticDevice.objects.get(user=coordinator).token_set.values_list("token", flat=True)
    )
    assert len(tokens) == 10
    assert all(token in codes_page.content.decode() for token in tokens)
    # Shown once: a second visit shows only how many are left.
    second = browser.get(reverse("accounts:two_factor_codes")).content.decode()
    assert not any(token in second for token in tokens)
    assert "10 unused backup codes" in second
    assert browser.get("/circles/").status_code == 200


@pytest.mark.django_db
def test_an_unverified_session_cannot_replace_a_confirmed_authenticator(browser):
    coordinator = CoordinatorFactory()
    confirmed_totp(coordinator)
    password_step(browser, coordinator)
    response = browser.get(reverse("accounts:two_factor_setup"))
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=False).exists()


@pytest.mark.django_db
def test_volunteers_need_two_factor_unless_the_setting_turns_it_off():
    volunteer = VolunteerUserFactory()
    browser = Client()
    password_step(browser, volunteer)
    assert browser.get("/")["Location"].startswith(reverse("accounts:two_factor_setup"))
    with override_settings(COSA_2FA_VOLUNTEERS=False):
        relaxed = Client()
        password_step(relaxed, volunteer)
        assert relaxed.get("/").status_code == 302
        assert not relaxed.get("/")["Location"].startswith("/account/two-factor/")
    coordinator = CoordinatorFactory()
    with override_settings(COSA_2FA_VOLUNTEERS=False):
        staff = Client()
        password_step(staff, coordinator)
        assert staff.get("/")["Location"].startswith(reverse("accounts:two_factor_setup"))


@pytest.mark.django_db
def test_logins_and_failures_are_in_the_access_log(browser):
    coordinator = CoordinatorFactory()
    password_step(browser, coordinator, password="not the password")
    failed = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED)
    assert coordinator.email in failed.detail
    assert "not the password" not in failed.detail
    password_step(browser, coordinator)
    assert AccessLog.objects.filter(user=coordinator, action=AccessLog.Action.LOGIN).exists()


@pytest.mark.django_db
def test_a_refused_page_is_in_the_access_log(client):
    volunteer = VolunteerUserFactory()
    client.force_login(volunteer)
    assert client.get("/core-members/").status_code == 403
    refused = AccessLog.objects.get(action=AccessLog.Action.REFUSED)
    assert refused.user == volunteer
    assert refused.path == "/core-members/"
    assert refused.detail == "403 GET"


# Lockout -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("exists", [True, False], ids=["real account", "no such account"])
def test_five_failures_lock_the_pair_with_a_message_that_reveals_nothing(exists):
    email = CoordinatorFactory().email if exists else "nobody-here@example.org"
    browser = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(4):
        response = browser.post(LOGIN, {"username": email, "password": "wrong-password-1"})
        assert response.status_code == 200
        assert "correct" in response.content.decode()  # Django's generic wording
    response = browser.post(LOGIN, {"username": email, "password": "wrong-password-1"})
    assert response.status_code == 429
    text = response.content.decode()
    assert "too many failed attempts" in text
    assert "account" not in text.lower().replace("ask your service manager", "")
    # Even the right password is refused while locked.
    response = browser.post(LOGIN, {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert AccessLog.objects.filter(detail__startswith="locked out").exists()


@pytest.mark.django_db
def test_a_lockout_of_one_address_does_not_lock_another_from_elsewhere():
    locked = CoordinatorFactory()
    other = CoordinatorFactory()
    attacker = Client(REMOTE_ADDR="192.0.2.20")
    for _ in range(5):
        attacker.post(LOGIN, {"username": locked.email, "password": "wrong-password-1"})
    office = Client(REMOTE_ADDR="198.51.100.7")
    response = office.post(LOGIN, {"username": other.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
