"""Demo people and their second factor, read from the seeded database.

TOTP codes are computed from the device key as an authenticator app would;
backup codes come from devtools.demo.demo_two_factor_code (single use).
"""

import base64
import time

from django.db import connection
from playwright.sync_api import expect

MANAGER = "manager@example.org"
COORDINATOR = "tomasz.brennan@example.org"
LIAISON = "sandra.holloway@example.org"
PASSWORD = "cosa-demo-2026!"  # noqa: S105 - the published demo password (README)


def user(email):
    from accounts.models import User

    return User.objects.get(email=email)


def _wait_for_fresh_step(device):
    """A TOTP code is accepted once: if this step's code was used, wait for the next step."""
    while device.last_t >= int(time.time() - device.t0) // device.step:
        time.sleep(1)
        device.refresh_from_db()


def totp_from_key(base32_key):
    """What an authenticator app shows for a key typed in by hand."""
    from django_otp.oath import totp

    key = base64.b32decode(base32_key.replace(" ", "").upper())
    return f"{totp(key):06d}"


def totp_code(email):
    """The current code of the user's confirmed authenticator app."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user(email), confirmed=True)
    _wait_for_fresh_step(device)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    connection.close()
    return f"{code:0{device.digits}d}"


def enrolment_code(email):
    """A one-time enrolment code, as a manager issues one for a user with no second factor."""
    from accounts.models import User
    from accounts.two_factor import enrolment_code_issue

    person = user(email)
    issuer = User.objects.filter(role=User.Role.MANAGER).exclude(pk=person.pk).first()
    _row, code = enrolment_code_issue(user=person, acting_user=issuer)
    connection.close()
    return code


def backup_code(email):
    from devtools.demo import demo_two_factor_code

    code = demo_two_factor_code(user(email))
    connection.close()
    return code


def has_authenticator(email):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    found = TOTPDevice.objects.filter(user=user(email), confirmed=True).exists()
    connection.close()
    return found


def has_any_device(email):
    import django_otp

    found = django_otp.user_has_device(user(email), confirmed=True)
    connection.close()
    return found


class Logins:
    def log_in(self, page, email, *, method="backup", shoot=None):
        """Both login steps as a person does them: e-mail and password, then a code.

        ``method="totp"``: an authenticator app. A first login enters a manager's
        enrolment code, sets the app up from the key shown on the page (as typed in
        by hand), confirms it with a code and is shown backup codes; later logins
        type the app's current code.
        ``method="backup"``: a single-use backup code. ``shoot(page, step)`` takes
        screenshots of the login pages.
        """
        shoot = shoot or (lambda *_: None)
        if method == "backup":
            code = backup_code(email)
        page.goto("/login/")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        shoot(page, "login-password")
        page.get_by_role("button", name="Log in").click()
        if method == "totp" and not has_authenticator(email):
            # A password alone enrols nothing. With backup codes (every demo account),
            # the code step comes first and the app is set up from the account menu;
            # with no second factor at all, a manager's enrolment code comes first.
            if has_any_device(email):
                expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
                page.get_by_label("Code").fill(backup_code(email))
                shoot(page, "login-code")
                page.get_by_role("button", name="Continue").click()
                page.get_by_role("button", name="account menu").click()
                page.get_by_role("link", name="Set up an authenticator app").click()
            else:
                expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
                assert "/account/two-factor/enrol/" in page.url
                page.get_by_label("Enrolment code").fill(enrolment_code(email))
                shoot(page, "login-enrolment-code")
                page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("img", name="QR code")).to_be_visible()
            assert "/account/two-factor/setup/" in page.url
            key = page.locator("main code").first.inner_text()
            page.get_by_label("Code").fill(totp_from_key(key))
            shoot(page, "login-authenticator-setup")
            page.get_by_role("button", name="Confirm").click()
            expect(page.get_by_role("heading", name="Backup codes")).to_be_visible()
            expect(page.locator(".backup-codes li")).to_have_count(10)
            shoot(page, "login-backup-codes")
            page.get_by_role("link", name="I have kept them: continue").click()
        else:
            expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
            assert "/login/two-factor/" in page.url
            if method == "totp":
                code = totp_code(email)
            page.get_by_label("Code").fill(code)
            shoot(page, "login-code")
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        assert "/login/" not in page.url, page.url
        return page
