"""Enrolling a second factor: a password alone never does it; the owner's two ways do.

The attacker has the password and nothing else. They try every page that adds or
replaces a second factor, with GET and with direct POSTs, from several addresses.
"""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog, EnrolmentCode, User
from accounts.services import user_create
from accounts.tests.factories import (
    DEMO_PASSWORD,
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
    VolunteerUserFactory,
)
from accounts.two_factor import backup_codes_create

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor_setup")
ENROL = reverse("accounts:two_factor_enrol")
CODES = reverse("accounts:two_factor_codes")
CODES_NEW = reverse("accounts:two_factor_codes_regenerate")
ATTACKER_ADDRESSES = ("203.0.113.7", "198.51.100.23", "2001:db8::66")
TWO_FACTOR_CHANGES = (
    AccessLog.Action.TWO_FACTOR_ENROLLED,
    AccessLog.Action.TWO_FACTOR_REPLACED,
    AccessLog.Action.BACKUP_CODES_NEW,
    AccessLog.Action.TWO_FACTOR_PASSED,
)


def browser(address="192.0.2.10"):
    return Client(REMOTE_ADDR=address)


def password_step(client, user, password=DEMO_PASSWORD):
    response = client.post("/login/", {"username": user.email, "password": password})
    assert response.status_code == 302, "the password step itself should succeed"
    return response


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def devices_of(user):
    """Everything that makes up the user's second factors, to compare before and after."""
    totps = sorted(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed", "key"))
    tokens = sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    return totps, tokens


def is_verified(client):
    return DEVICE_ID_SESSION_KEY in client.session


def with_backup_codes(user):
    backup_codes_create(user=user)


def with_authenticator(user):
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    backup_codes_create(user=user)


def with_nothing(user):
    pass


DEVICE_STATES = [
    pytest.param(with_backup_codes, id="backup-codes-only"),
    pytest.param(with_authenticator, id="authenticator"),
    pytest.param(with_nothing, id="no-device"),
]


# The attacker: the password only --------------------------------------------------------


@pytest.mark.parametrize("give_devices", DEVICE_STATES)
@pytest.mark.parametrize("address", ATTACKER_ADDRESSES)
def test_a_password_alone_cannot_add_or_replace_a_second_factor(give_devices, address):
    victim = CoordinatorFactory()
    give_devices(victim)
    # A leftover unconfirmed authenticator whose secret the attacker might know.
    planted = TOTPDevice.objects.create(user=victim, name="Planted", confirmed=False)
    before = devices_of(victim)
    attacker = browser(address)
    password_step(attacker, victim)

    setup_page = attacker.get(SETUP)
    assert setup_page.status_code == 302
    assert b"data:image/svg" not in setup_page.content
    for code in (current_code(planted), "000000", "123456"):
        response = attacker.post(SETUP, {"code": code})
        assert response.status_code == 302, code
    codes_page = attacker.get(CODES)
    assert codes_page.status_code == 302
    assert attacker.post(CODES_NEW).status_code == 302
    assert attacker.post(ENROL, {"code": "ABCD-EFGH-JKMN-PQRS"}).status_code in (200, 302)

    assert devices_of(victim) == before
    assert not is_verified(attacker)
    assert attacker.get("/circles/").status_code == 302
    assert not AccessLog.objects.filter(user=victim, action__in=TWO_FACTOR_CHANGES).exists()


@pytest.mark.parametrize("give_devices", DEVICE_STATES)
def test_setup_refuses_the_password_only_session_without_showing_a_secret(give_devices):
    victim = LiaisonFactory()
    give_devices(victim)
    attacker = browser()
    password_step(attacker, victim)
    response = attacker.get(SETUP, follow=True)
    assert b"data:image/svg" not in response.content
    assert not TOTPDevice.objects.filter(user=victim, confirmed=False).exists()
    wanted = reverse(
        "accounts:two_factor_enrol"
        if give_devices is with_nothing
        else "accounts:two_factor_verify"
    )
    assert response.redirect_chain[-1][0].startswith(wanted)


@override_settings(COSA_2FA_VOLUNTEERS=False)
@pytest.mark.parametrize("give_devices", DEVICE_STATES)
def test_without_the_middleware_the_views_still_refuse(give_devices):
    """Volunteers may be let in on a password alone; they still cannot change a second factor."""
    volunteer = VolunteerUserFactory()
    give_devices(volunteer)
    planted = TOTPDevice.objects.create(user=volunteer, name="Planted", confirmed=False)
    before = devices_of(volunteer)
    session = browser()
    password_step(session, volunteer)
    assert session.get(SETUP).status_code == 302
    assert session.post(SETUP, {"code": current_code(planted)}).status_code == 302
    assert session.get(CODES).status_code == 302
    assert session.post(CODES_NEW).status_code == 302
    assert devices_of(volunteer) == before
    assert not is_verified(session)


def test_a_verified_session_may_still_replace_its_authenticator(client):
    """The rule is the second factor, not a ban: a verified session replaces its app."""
    coordinator = CoordinatorFactory()
    old = TOTPDevice.objects.create(user=coordinator, name="Authenticator app", confirmed=True)
    client.force_login(coordinator)
    assert client.get(SETUP).status_code == 200
    new = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    response = client.post(SETUP, {"code": current_code(new)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.get(user=coordinator, confirmed=True).pk == new.pk


def test_after_replacing_the_app_the_session_stays_verified_and_sees_its_new_codes():
    """The session was verified by the old app, which the replacement deletes: it is
    verified again by the new one, so the new backup codes are shown at once."""
    coordinator = CoordinatorFactory()
    old = TOTPDevice.objects.create(user=coordinator, name="Authenticator app", confirmed=True)
    session = browser()
    password_step(session, coordinator)
    verify = session.post(reverse("accounts:two_factor_verify"), {"code": current_code(old)})
    assert verify.status_code == 302 and is_verified(session)
    assert session.get(SETUP).status_code == 200
    new = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert session.post(SETUP, {"code": current_code(new)}).status_code == 302

    codes_page = session.get(CODES)
    assert codes_page.status_code == 200
    assert is_verified(session)
    shown = set(
        StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)
    )
    assert shown and all(code in codes_page.content.decode() for code in shown)


# The set-password link of a new account ---------------------------------------------------


def _new_account(role=User.Role.COORDINATOR, email="nadia.newell@example.org"):
    return user_create(email=email, first_name="Nadia", last_name="Newell", role=role)


NEW_PASSWORD = "violet-harbour-cinnamon-47"


def _set_password_by_link(client, user):
    from accounts.models import ThrottleEvent
    from accounts.tasks import send_password_reset

    client.post("/password/reset/", {"email": user.email})
    # The request only enqueues the mail; the worker's task sends it.
    send_password_reset(ThrottleEvent.objects.password_resets().latest("pk").pk)
    body = mail.outbox[-1].body
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("accounts:password_reset_complete")


def _enrol_authenticator(client):
    page = client.get(SETUP)
    assert page.status_code == 200, page
    assert b"data:image/svg" in page.content
    device = TOTPDevice.objects.get(user=client.session_user, confirmed=False)
    response = client.post(SETUP, {"code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"].startswith(CODES)
    return device


def test_the_set_password_link_of_a_new_account_lets_that_browser_enrol_once():
    user = _new_account()
    owner = browser()
    _set_password_by_link(owner, user)
    password_step(owner, user, NEW_PASSWORD)
    assert owner.get("/")["Location"].startswith(SETUP)
    owner.session_user = user
    device = _enrol_authenticator(owner)
    assert is_verified(owner)
    assert TOTPDevice.objects.get(user=user, confirmed=True).pk == device.pk
    assert StaticToken.objects.filter(device__user=user).count() == 10
    enrolled = AccessLog.objects.get(user=user, action=AccessLog.Action.TWO_FACTOR_ENROLLED)
    assert "set-password link" in enrolled.detail
    # Once: the right is spent, a fresh login must pass the new factor.
    owner.post(reverse("accounts:logout"))
    password_step(owner, user, NEW_PASSWORD)
    assert owner.get(SETUP)["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_set_password_right_stays_in_the_browser_that_used_the_link():
    user = _new_account()
    _set_password_by_link(browser(), user)
    elsewhere = browser("203.0.113.50")
    password_step(elsewhere, user, NEW_PASSWORD)
    assert elsewhere.get(SETUP)["Location"].startswith(ENROL)
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_set_password_right_is_only_for_the_account_whose_link_it_was():
    user = _new_account()
    other = CoordinatorFactory()
    shared = browser()
    _set_password_by_link(shared, user)
    password_step(shared, other)
    assert shared.get(SETUP)["Location"].startswith(ENROL)
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_a_reset_link_of_an_account_that_has_logged_in_before_gives_no_enrolment():
    """Only a new account's first link: a reset never stands in for a lost second factor."""
    user = CoordinatorFactory()
    user.last_login = timezone.now() - datetime.timedelta(days=30)
    user.save(update_fields=["last_login"])
    owner = browser()
    _set_password_by_link(owner, user)
    password_step(owner, user, NEW_PASSWORD)
    assert owner.get(SETUP)["Location"].startswith(ENROL)
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_set_password_right_expires(monkeypatch, settings):
    # An hour on, the session has not idled out (that is another limit's test).
    settings.SESSION_IDLE_SECONDS = 2 * 60 * 60
    user = _new_account()
    owner = browser()
    _set_password_by_link(owner, user)
    password_step(owner, user, NEW_PASSWORD)
    import accounts.two_factor as two_factor

    later = two_factor.time.time() + two_factor.ENROL_RIGHT_SECONDS + 1
    monkeypatch.setattr(two_factor.time, "time", lambda: later)
    assert owner.get(ENROL).status_code == 200  # the right has gone: asked for a code
    assert owner.get(SETUP)["Location"].startswith(ENROL)


# The manager's enrolment code -------------------------------------------------------------


def _issue_code(manager_client, target):
    url = reverse("accounts:two_factor_enrolment_code", args=[target.pk])
    response = manager_client.post(url, follow=True)
    assert response.redirect_chain == [(url, 302)]
    match = re.search(rb"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", response.content)
    assert match, "the code is shown to the manager"
    return match.group().decode()


@pytest.fixture
def manager_client(client):
    manager = ManagerFactory()
    client.force_login(manager)
    client.manager = manager
    return client


def test_a_manager_code_lets_the_user_enrol(manager_client):
    user = VolunteerUserFactory()
    code = _issue_code(manager_client, user)
    owner = browser()
    password_step(owner, user)
    assert owner.get(SETUP)["Location"].startswith(ENROL)
    page = owner.get(ENROL)
    assert "enrolment code" in page.content.decode()
    response = owner.post(ENROL, {"code": code.lower().replace("-", " ")})
    assert response["Location"].startswith(SETUP)
    owner.session_user = user
    _enrol_authenticator(owner)
    assert is_verified(owner)
    row = EnrolmentCode.objects.get(user=user)
    assert row.used_at is not None
    assert row.issued_by == manager_client.manager
    assert code.replace("-", "") not in row.code_hash


def test_an_enrolment_code_works_once(manager_client):
    user = CoordinatorFactory()
    code = _issue_code(manager_client, user)
    first = browser("203.0.113.1")
    password_step(first, user)
    assert first.post(ENROL, {"code": code})["Location"].startswith(SETUP)
    # Used but not finished: a second session with the same code is refused.
    second = browser("203.0.113.2")
    password_step(second, user)
    refused = second.post(ENROL, {"code": code})
    assert refused.status_code == 200
    assert "not right" in refused.content.decode()
    assert second.get(SETUP)["Location"].startswith(ENROL)
    assert not is_verified(second)


def test_an_expired_enrolment_code_is_refused(manager_client):
    user = CoordinatorFactory()
    code = _issue_code(manager_client, user)
    past = timezone.now() - datetime.timedelta(hours=25)
    EnrolmentCode.objects.filter(user=user).update(
        issued_at=past, expires_at=past + datetime.timedelta(hours=24)
    )
    owner = browser()
    password_step(owner, user)
    assert owner.post(ENROL, {"code": code}).status_code == 200
    assert owner.get(SETUP)["Location"].startswith(ENROL)
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_another_users_enrolment_code_is_refused(manager_client):
    meant_for = CoordinatorFactory()
    attacker_account = CoordinatorFactory()
    code = _issue_code(manager_client, meant_for)
    attacker = browser()
    password_step(attacker, attacker_account)
    assert attacker.post(ENROL, {"code": code}).status_code == 200
    assert attacker.get(SETUP)["Location"].startswith(ENROL)
    # Still good for its own user.
    assert EnrolmentCode.objects.get(user=meant_for).used_at is None


def test_a_code_does_not_enrol_over_an_existing_second_factor(manager_client):
    """A user with a second factor passes it; a code (even a valid one) changes nothing."""
    user = CoordinatorFactory()
    code = _issue_code(manager_client, user)
    with_backup_codes(user)
    before = devices_of(user)
    session = browser()
    password_step(session, user)
    response = session.post(ENROL, {"code": code})
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert session.get(SETUP).status_code == 302
    assert devices_of(user) == before
    assert EnrolmentCode.objects.get(user=user).used_at is None


def test_a_new_code_cancels_the_earlier_one(manager_client):
    user = CoordinatorFactory()
    old = _issue_code(manager_client, user)
    new = _issue_code(manager_client, user)
    session = browser()
    password_step(session, user)
    assert session.post(ENROL, {"code": old}).status_code == 200
    assert session.post(ENROL, {"code": new})["Location"].startswith(SETUP)


def test_wrong_enrolment_codes_end_the_session():
    user = CoordinatorFactory()
    session = browser()
    password_step(session, user)
    for _ in range(4):
        assert session.post(ENROL, {"code": "ABCD-EFGH-JKMN-PQRS"}).status_code == 200
    ended = session.post(ENROL, {"code": "ABCD-EFGH-JKMN-PQRS"})
    assert ended["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in session.session


def test_the_code_is_stored_hashed_and_shown_once(manager_client):
    user = CoordinatorFactory()
    code = _issue_code(manager_client, user)
    again = manager_client.get(reverse("accounts:two_factor_enrolment_code", args=[user.pk]))
    assert code not in again.content.decode()
    row = EnrolmentCode.objects.get(user=user)
    plain = code.replace("-", "")
    assert plain not in row.code_hash and code not in row.code_hash
    assert len(row.code_hash) == 64
    assert row.expires_at - row.issued_at == datetime.timedelta(hours=24)


# Who may issue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory", [CoordinatorFactory, VolunteerUserFactory, LiaisonFactory], ids=lambda f: f.__name__
)
def test_only_a_manager_may_issue_an_enrolment_code(client, factory):
    target = CoordinatorFactory()
    client.force_login(factory())
    url = reverse("accounts:two_factor_enrolment_code", args=[target.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not EnrolmentCode.objects.exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.ENROLMENT_CODE_ISSUED).exists()


def test_a_password_only_manager_cannot_issue_a_code():
    manager = ManagerFactory()
    with_backup_codes(manager)
    target = CoordinatorFactory()
    session = browser()
    password_step(session, manager)
    url = reverse("accounts:two_factor_enrolment_code", args=[target.pk])
    assert session.get(url).status_code == 302
    assert session.post(url).status_code == 302
    assert not EnrolmentCode.objects.exists()


def test_a_manager_issues_no_code_for_themselves_or_a_deactivated_user(manager_client):
    gone = CoordinatorFactory(is_active=False)
    for target in (manager_client.manager, gone):
        url = reverse("accounts:two_factor_enrolment_code", args=[target.pk])
        assert manager_client.get(url).status_code == 404
        assert manager_client.post(url).status_code == 404
    assert not EnrolmentCode.objects.exists()


def test_no_code_for_a_user_who_has_a_second_factor(manager_client):
    target = CoordinatorFactory()
    with_backup_codes(target)
    url = reverse("accounts:two_factor_enrolment_code", args=[target.pk])
    assert "has a second factor" in manager_client.get(url).content.decode()
    assert manager_client.post(url).status_code == 302
    assert not EnrolmentCode.objects.exists()


def test_the_admin_user_page_links_to_the_enrolment_code_page(manager_client):
    from accounts.services import managers_group

    manager_client.manager.groups.add(managers_group())
    target = CoordinatorFactory()
    page = manager_client.get(reverse("admin:accounts_user_change", args=[target.pk]))
    assert page.status_code == 200
    assert reverse("accounts:two_factor_enrolment_code", args=[target.pk]) in page.content.decode()
