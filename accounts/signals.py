"""Security events into the access log: logins, failed logins, lockouts, logouts."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from accounts import throttle  # noqa: F401  (connects the lockout's receivers)
from accounts.models import AccessLog


def _log(request, action, user=None, detail=""):
    from accounts.audit import client_ip

    AccessLog.objects.create(
        user=user,
        action=action,
        detail=detail[:300],
        path=request.get_full_path()[:500] if request is not None else "",
        ip_address=client_ip(request) if request is not None else None,
    )


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    # Both session clocks start at the login (accounts.middleware.SessionLimitsMiddleware).
    now = int(time.time())
    request.session["cosa_login_at"] = now
    request.session["cosa_seen_at"] = now
    _log(request, AccessLog.Action.LOGIN, user, "password accepted")


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        _log(request, AccessLog.Action.LOGOUT, user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted address is kept (it says who was targeted); never the password.
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:200]
    _log(request, AccessLog.Action.LOGIN_FAILED, None, f"failed login for {attempted}")


# Sent by accounts.services.user_deactivate inside its transaction: apps above this one
# end what the account held (cover, shifts) without this app naming them.
user_deactivated = Signal()
