"""Session limits, the two-factor requirement, and logging of refused requests."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import AccessLog
from accounts.two_factor import has_confirmed_device, requires_two_factor

LOGIN_AT = "cosa_login_at"
SEEN_AT = "cosa_seen_at"


class SessionLimitsMiddleware:
    """End a session after SESSION_IDLE_SECONDS idle or SESSION_MAX_SECONDS in all.

    The idle limit is also the session cookie's age (saved on every request), so
    an idle session normally expires by itself; this makes both limits explicit
    and tells the user why they were logged out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.setdefault(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            if now - login_at > settings.SESSION_MAX_SECONDS:
                return self._end(request, "Your 12-hour session ended. Please log in again.")
            if now - seen_at > settings.SESSION_IDLE_SECONDS:
                return self._end(request, "You were logged out after 15 idle minutes.")
            request.session[SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, message):
        logout(request)
        messages.info(request, message)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")


# Pages a logged-in user reaches before the second factor: nothing with data.
TWO_FACTOR_OPEN = ("accounts:logout", "accounts:two_factor_verify", "accounts:two_factor_setup")


class TwoFactorRequiredMiddleware:
    """Send a password-only session to the second step (or to set it up) for every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and requires_two_factor(user)
            and not user.is_verified()
            and request.path not in self.open_paths()
            and not request.path.startswith(settings.STATIC_URL_PATH)
        ):
            target = (
                "accounts:two_factor_verify"
                if has_confirmed_device(user)
                else "accounts:two_factor_setup"
            )
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def open_paths(self):
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in TWO_FACTOR_OPEN}
        return self._open_paths

    def process_exception(self, request, exception):
        """Log a logged-in user's refused request (404 or 403) in the access log.

        Runs after the request's transaction has rolled back, so the row stays.
        """
        if isinstance(exception, Http404 | PermissionDenied) and request.user.is_authenticated:
            from accounts.audit import log_access

            status = 404 if isinstance(exception, Http404) else 403
            log_access(request, AccessLog.Action.REFUSED, detail=f"{status} {request.method}")
        return None
