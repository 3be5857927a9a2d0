"""Two-factor login: an authenticator app (TOTP) and single-use backup codes (django-otp).

After the password step the session is logged in but not verified;
accounts.middleware.TwoFactorRequiredMiddleware sends it here for every page.
"""

import base64
import io

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
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog, User

BACKUP_CODE_COUNT = 10
# Wrong codes allowed in one session before it is ended (the devices also throttle).
MAX_CODE_FAILURES = 5
FAILURES_KEY = "cosa_2fa_failures"
NEW_CODES_KEY = "cosa_2fa_new_codes"


def requires_two_factor(user):
    if user.role == User.Role.VOLUNTEER:
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


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("accounts:home")


def _verified(request, device):
    django_otp.login(request, device)
    # A new session id once the second factor is proven, as at the password step.
    request.session.cycle_key()
    request.session.pop(FAILURES_KEY, None)


def _failed(request):
    from accounts.audit import log_access

    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    log_access(request, AccessLog.Action.LOGIN_FAILED, detail="wrong two-factor code")
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
            _verified(request, device)
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


@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app: scan, confirm with a code, receive backup codes."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not user.is_verified():
        # Replacing an app needs the second factor first.
        return redirect("accounts:two_factor_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = backup_codes_create(user=user)
            _verified(request, device)
            request.session[NEW_CODES_KEY] = codes
            query = urlencode({"next": _next_url(request)})
            return redirect(f"{reverse('accounts:two_factor_codes')}?{query}")
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
    return render(request, "accounts/two_factor_setup.html", context)


@require_http_methods(["GET"])
def codes(request):
    """Show newly made backup codes once."""
    new_codes = request.session.pop(NEW_CODES_KEY, None)
    device = StaticDevice.objects.filter(user=request.user).first()
    remaining = device.token_set.count() if device else 0
    return render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": new_codes, "remaining": remaining, "next": _next_url(request)},
    )


@require_POST
def codes_regenerate(request):
    request.session[NEW_CODES_KEY] = backup_codes_create(user=request.user)
    messages.success(request, "New backup codes made; the old ones no longer work.")
    return redirect("accounts:two_factor_codes")


@require_http_methods(["GET"])
def session_keepalive(request):
    """The idle-timeout warning's 'stay logged in' button: touching the session is enough."""
    from django.http import JsonResponse

    return JsonResponse({"idle_seconds": settings.SESSION_IDLE_SECONDS})
