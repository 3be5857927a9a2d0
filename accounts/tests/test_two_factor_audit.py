"""Second-factor events in the access log, and never a code or a secret in a row."""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog
from accounts.tests.factories import DEMO_PASSWORD, CoordinatorFactory, ManagerFactory
from accounts.two_factor import backup_codes_create

pytestmark = pytest.mark.django_db

Action = AccessLog.Action
SETUP = reverse("accounts:two_factor_setup")


def password_step(client, user):
    assert (
        client.post("/login/", {"username": user.email, "password": DEMO_PASSWORD}).status_code
        == 302
    )


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def secrets_of(user):
    """Every code and key the user's devices hold, in the forms a log could leak them."""
    found = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    for device in TOTPDevice.objects.filter(user=user):
        found.add(device.key)
        found.add(base64.b32encode(device.bin_key).decode())
        found.add(current_code(device))
    return found


def assert_no_secret_logged(secrets):
    secrets = {s for s in secrets if s}
    for row in AccessLog.objects.all():
        text = " ".join([row.detail, row.path, row.object_id, row.object_type]).lower()
        for secret in secrets:
            assert secret.lower() not in text, (row.action, row.detail, row.path)


def rows(user, action):
    return list(AccessLog.objects.filter(user=user, action=action))


def test_passing_the_second_factor_is_logged_without_the_code():
    user = CoordinatorFactory()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    codes = backup_codes_create(user=user)
    by_app = Client(REMOTE_ADDR="192.0.2.1")
    password_step(by_app, user)
    code = current_code(device)
    by_app.post(reverse("accounts:two_factor_verify"), {"code": code})
    by_code = Client(REMOTE_ADDR="192.0.2.2")
    password_step(by_code, user)
    by_code.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})

    passed = rows(user, Action.TWO_FACTOR_PASSED)
    assert sorted(row.detail for row in passed) == ["authenticator app", "backup code"]
    assert {row.ip_address for row in passed} == {"192.0.2.1", "192.0.2.2"}
    assert_no_secret_logged(set(codes) | {code, device.key})


def test_a_wrong_code_is_not_a_passed_second_factor():
    user = CoordinatorFactory()
    backup_codes_create(user=user)
    session = Client()
    password_step(session, user)
    session.post(reverse("accounts:two_factor_verify"), {"code": "00000000"})
    assert rows(user, Action.TWO_FACTOR_PASSED) == []


def test_replacing_the_authenticator_and_regenerating_codes_are_logged(client):
    user = CoordinatorFactory()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    old_codes = backup_codes_create(user=user)
    client.force_login(user)
    client.get(SETUP)
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    setup_code = current_code(new)
    client.post(SETUP, {"code": setup_code})
    replaced = rows(user, Action.TWO_FACTOR_REPLACED)
    assert len(replaced) == 1
    assert "verified session" in replaced[0].detail
    assert rows(user, Action.TWO_FACTOR_ENROLLED) == []

    setup_codes = secrets_of(user)
    client.post(reverse("accounts:two_factor_codes_regenerate"))
    assert len(rows(user, Action.BACKUP_CODES_NEW)) == 1
    assert_no_secret_logged(set(old_codes) | setup_codes | secrets_of(user) | {setup_code})


def test_a_refused_regeneration_is_not_logged_as_one():
    user = CoordinatorFactory()
    backup_codes_create(user=user)
    session = Client()
    password_step(session, user)
    session.post(reverse("accounts:two_factor_codes_regenerate"))
    assert rows(user, Action.BACKUP_CODES_NEW) == []


def test_issuing_and_using_an_enrolment_code_and_enrolling_are_logged(client):
    manager = ManagerFactory()
    user = CoordinatorFactory()
    client.force_login(manager)
    url = reverse("accounts:two_factor_enrolment_code", args=[user.pk])
    page = client.post(url, follow=True)
    code = re.search(rb"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){3}", page.content).group().decode()

    issued = AccessLog.objects.get(action=Action.ENROLMENT_CODE_ISSUED)
    assert issued.user == manager
    assert (issued.object_type, issued.object_id) == ("accounts.user", str(user.pk))
    assert "valid until" in issued.detail

    owner = Client(REMOTE_ADDR="198.51.100.9")
    password_step(owner, user)
    owner.post(reverse("accounts:two_factor_enrol"), {"code": code})
    used = AccessLog.objects.get(action=Action.ENROLMENT_CODE_USED)
    assert used.user == user
    assert used.ip_address == "198.51.100.9"
    assert used.object_type == "accounts.enrolmentcode"

    owner.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    setup_code = current_code(device)
    owner.post(SETUP, {"code": setup_code})
    enrolled = AccessLog.objects.get(user=user, action=Action.TWO_FACTOR_ENROLLED)
    assert f"enrolment code #{used.object_id}" in enrolled.detail
    assert [r.detail for r in rows(user, Action.TWO_FACTOR_PASSED)] == ["new authenticator app"]
    assert_no_secret_logged(
        {code, code.replace("-", ""), code.lower(), setup_code} | secrets_of(user)
    )
