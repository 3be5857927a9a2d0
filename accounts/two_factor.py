"""Two-factor login: an authenticator app (TOTP) and single-use backup codes (django-otp).

After the password step the session is logged in but not verified;
accounts.middleware.TwoFactorRequiredMiddleware sends it here for every page.

A session may add, replace or remove a second factor (an authenticator app or the
backup codes) only once it has passed the second factor. A user with no second
factor at all enrols a first one only with a right that the account's owner alone
can reach, held by this session for a short while: the set-password link of a new
account (accounts.views.SetPasswordConfirmView) or a one-time enrolment code from a
manager (``enrolment_code_issue``). A password alone never enrols anything.
"""

import base64
import datetime
import hashlib
import io
import secrets
import time

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog, EnrolmentCode, User
from cosa.services import service

BACKUP_CODE_COUNT = 10
# Wrong codes allowed in one session before it is ended (the devices also throttle).
MAX_CODE_FAILURES = 5
FAILURES_KEY = "cosa_2fa_failures"
NEW_CODES_KEY = "cosa_2fa_new_codes"
# The authenticator being set up in this session (its secret was shown to this session only).
SETUP_DEVICE_KEY = "cosa_2fa_setup_device"
# {"user": pk, "until": epoch seconds, "via": how it was earned}: may enrol a first factor.
ENROL_RIGHT_KEY = "cosa_2fa_enrol_right"
ENROL_RIGHT_SECONDS = 60 * 60
# A just-issued enrolment code, until the manager's next page view shows it once.
ISSUED_CODE_KEY = "cosa_2fa_issued_enrolment_code"
ENROLMENT_CODE_VALIDITY = datetime.timedelta(hours=24)
# No 0/O, 1/I/L: read aloud or typed from a note. 16 characters of 32 = 80 bits.
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 16


def requires_two_factor(user):
    if user.is_volunteer:
        return settings.COSA_2FA_VOLUNTEERS
    return True


def has_confirmed_device(user):
    return django_otp.user_has_device(user, confirmed=True)


def backup_codes_create(*, user):
    """Replace the user's backup codes with fresh ones; return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# Enrolling a first second factor ------------------------------------------------------


def enrol_right_grant(request, user, *, via):
    """Let this session enrol ``user``'s first second factor (it survives the login step)."""
    request.session[ENROL_RIGHT_KEY] = {
        "user": user.pk,
        "until": int(time.time()) + ENROL_RIGHT_SECONDS,
        "via": via,
    }


def enrol_right(request):
    """How this session earned the right to enrol a first factor, or None.

    Only for its own logged-in user, before expiry, and only while that user has no
    confirmed device: a user who has one must pass it to change anything.
    """
    right = request.session.get(ENROL_RIGHT_KEY)
    user = request.user
    if not isinstance(right, dict) or not user.is_authenticated:
        return None
    if right.get("user") != user.pk or right.get("until", 0) < time.time():
        return None
    if has_confirmed_device(user):
        return None
    return right.get("via") or "enrolment right"


def _enrolment_code_hash(code):
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


@service
@transaction.atomic
def enrolment_code_issue(*, user: User, acting_user: User) -> tuple[EnrolmentCode, str]:
    """Make a one-time enrolment code for ``user``; return the row and the code (shown once).

    Any earlier unused code of the user stops working. The permission decision is
    accounts.access.may_issue_enrolment_code, checked by the view.
    """
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user).usable().update(revoked_at=now)
    plain = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    row = EnrolmentCode(
        user=user,
        code_hash=_enrolment_code_hash(plain),
        issued_by=acting_user,
        issued_at=now,
        expires_at=now + ENROLMENT_CODE_VALIDITY,
    )
    row.full_clean()
    row.save()
    return row, "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


@transaction.atomic
def enrolment_code_redeem(*, user: User, code: str) -> EnrolmentCode | None:
    """Use ``user``'s enrolment code once; None if it is wrong, used, revoked or expired."""
    row = EnrolmentCode.objects.usable().filter(user=user, code_hash=_enrolment_code_hash(code))
    row = row.select_for_update().first()
    if row is None:
        return None
    # Claimed by a conditional update, so two requests with one code cannot both win.
    now = timezone.now()
    claimed = EnrolmentCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    return row if claimed == 1 else None


def _one_time_code_input():
    return forms.TextInput(
        attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
    )


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label="Enrolment code",
        max_length=40,
        help_text="The code your manager gave you, for example ABCD-EFGH-JKMN-PQRS.",
        widget=_one_time_code_input(),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=_one_time_code_input(),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("accounts:home")


def _with_next(request, name):
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def _verified(request, device, *, way):
    from accounts.audit import log_access

    django_otp.login(request, device)
    # A new session id once the second factor is proven, as at the password step.
    request.session.cycle_key()
    request.session.pop(FAILURES_KEY, None)
    log_access(request, AccessLog.Action.TWO_FACTOR_PASSED, detail=way)


def _failed(request, detail="wrong two-factor code"):
    from accounts.audit import log_access

    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    log_access(request, AccessLog.Action.LOGIN_FAILED, detail=detail)
    if failures >= MAX_CODE_FAILURES:
        logout(request)
        messages.error(request, "Too many wrong codes. Please log in again.")
        return redirect("accounts:login")
    return None


@require_http_methods(["GET", "POST"])
def verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_confirmed_device(request.user):
        return redirect("accounts:two_factor_setup")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        with transaction.atomic():
            device = django_otp.match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            way = "backup code" if isinstance(device, StaticDevice) else "authenticator app"
            _verified(request, device, way=way)
            if isinstance(device, StaticDevice) and not device.token_set.exists():
                messages.warning(request, "That was your last backup code: make new ones now.")
            return redirect(_next_url(request))
        ended = _failed(request)
        if ended:
            return ended
        form.add_error("code", "That code is not right, or it has been used. Try again.")
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def _qr_data_uri(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _refuse_change(request):
    """Where a session goes that may not change a second factor: the code step or enrolment."""
    if has_confirmed_device(request.user):
        return redirect(_with_next(request, "accounts:two_factor_verify"))
    return redirect(_with_next(request, "accounts:two_factor_enrol"))


def _setup_device(request, user, *, fresh=False):
    """The unconfirmed authenticator whose secret this session was shown.

    A GET starts afresh (a new secret, earlier unconfirmed ones deleted), so a secret
    shown to some other session can never become the user's authenticator.
    """
    if fresh or request.method == "GET":
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        request.session[SETUP_DEVICE_KEY] = device.pk
        return device
    pk = request.session.get(SETUP_DEVICE_KEY)
    return TOTPDevice.objects.filter(user=user, confirmed=False, pk=pk).first()


@require_http_methods(["GET", "POST"])
def setup(request):
    """Add or replace an authenticator app: scan, confirm with a code, receive backup codes."""
    from accounts.audit import log_access

    user = request.user
    verified = user.is_verified()
    via = "verified session" if verified else enrol_right(request)
    if via is None:
        return _refuse_change(request)
    device = _setup_device(request, user)
    form = CodeForm(request.POST or None)
    if device is None:
        # A POST without this session's own set-up page first: start again, with a new secret.
        device = _setup_device(request, user, fresh=True)
        form = CodeForm()
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                replaced = TOTPDevice.objects.filter(user=user, confirmed=True).delete()[0] > 0
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = backup_codes_create(user=user)
            request.session.pop(ENROL_RIGHT_KEY, None)
            request.session.pop(SETUP_DEVICE_KEY, None)
            action = (
                AccessLog.Action.TWO_FACTOR_REPLACED
                if replaced
                else AccessLog.Action.TWO_FACTOR_ENROLLED
            )
            log_access(request, action, detail=f"authenticator app and new backup codes; by {via}")
            # Also after a replacement: the session was verified by the device just
            # deleted, and the new one has just been proven with a code.
            _verified(request, device, way="new authenticator app")
            request.session[NEW_CODES_KEY] = codes
            return redirect(_with_next(request, "accounts:two_factor_codes"))
        ended = _failed(request)
        if ended:
            return ended
        form.add_error("code", "That code is not right. Check your phone's clock and try again.")
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    response = render(request, "accounts/two_factor_setup.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def enrol(request):
    """A user with no second factor: enter a manager's enrolment code, or learn how to get one."""
    from accounts.audit import log_access

    user = request.user
    if user.is_verified() or enrol_right(request):
        return redirect(_with_next(request, "accounts:two_factor_setup"))
    if has_confirmed_device(user):
        return redirect(_with_next(request, "accounts:two_factor_verify"))
    form = EnrolmentCodeForm(request.POST or None)
    if form.is_valid():
        row = enrolment_code_redeem(user=user, code=form.cleaned_data["code"])
        if row is not None:
            enrol_right_grant(request, user, via=f"enrolment code #{row.pk}")
            log_access(
                request,
                AccessLog.Action.ENROLMENT_CODE_USED,
                row,
                detail=f"enrolment code #{row.pk} issued by user #{row.issued_by_id}",
            )
            return redirect(_with_next(request, "accounts:two_factor_setup"))
        ended = _failed(request, detail="wrong enrolment code")
        if ended:
            return ended
        form.add_error(
            "code", "That code is not right, or it has been used or has expired. Try again."
        )
    return render(
        request, "accounts/two_factor_enrol.html", {"form": form, "next": _next_url(request)}
    )


@require_http_methods(["GET"])
def codes(request):
    """Show newly made backup codes once."""
    if not request.user.is_verified():
        return _refuse_change(request)
    new_codes = request.session.pop(NEW_CODES_KEY, None)
    device = StaticDevice.objects.filter(user=request.user).first()
    remaining = device.token_set.count() if device else 0
    response = render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": new_codes, "remaining": remaining, "next": _next_url(request)},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def codes_regenerate(request):
    from accounts.audit import log_access

    if not request.user.is_verified():
        return _refuse_change(request)
    request.session[NEW_CODES_KEY] = backup_codes_create(user=request.user)
    log_access(request, AccessLog.Action.BACKUP_CODES_NEW, detail="the old ones no longer work")
    messages.success(request, "New backup codes made; the old ones no longer work.")
    return redirect("accounts:two_factor_codes")


@never_cache
@require_http_methods(["GET", "POST"])
def enrolment_code(request, pk):
    """A manager issues a one-time enrolment code for a user with no second factor.

    The code is shown once, on the page the POST redirects to (held in the
    server-side session until then, as new backup codes are), never in the log; the
    manager passes it on by phone or in person.
    """
    from accounts.access import enrolment_code_target_for_user
    from accounts.audit import log_access

    target = enrolment_code_target_for_user(request.user, pk)
    has_device = has_confirmed_device(target)
    if request.method == "POST":
        if has_device:
            messages.error(
                request,
                "This user still has a second factor. Remove their devices first "
                "(a lost phone), then issue a code.",
            )
            return redirect("accounts:two_factor_enrolment_code", pk=target.pk)
        row, plain = enrolment_code_issue(user=target, acting_user=request.user)
        log_access(
            request,
            AccessLog.Action.ENROLMENT_CODE_ISSUED,
            target,
            detail=f"enrolment code #{row.pk}, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC",
        )
        request.session[ISSUED_CODE_KEY] = {"target": target.pk, "row": row.pk, "code": plain}
        return redirect("accounts:two_factor_enrolment_code", pk=target.pk)
    context = {"target": target, "has_device": has_device, "code": None}
    issued = request.session.pop(ISSUED_CODE_KEY, None)
    if isinstance(issued, dict) and issued.get("target") == target.pk:
        context.update(
            code=issued["code"], row=EnrolmentCode.objects.filter(pk=issued["row"]).first()
        )
    return render(request, "accounts/two_factor_enrolment_code.html", context)


@require_http_methods(["GET"])
def session_keepalive(request):
    """The idle-timeout warning's 'stay logged in' button, and typing's ping: the idle
    clock restarts now, whenever it last did."""
    from django.http import JsonResponse

    from accounts.middleware import session_touch

    session_touch(request)
    return JsonResponse({"idle_seconds": settings.SESSION_IDLE_SECONDS})
