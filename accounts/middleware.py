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


# Pages a logged-in user reaches before the second factor: nothing with data. A user
# with a second factor reaches only the code step; one without reaches only the way to
# enrol (which itself asks for a right only the account's owner can earn). The views
# check again: volunteers may be exempt from this middleware by setting.
VERIFY_OPEN = ("accounts:logout", "accounts:two_factor_verify")
ENROL_OPEN = ("accounts:logout", "accounts:two_factor_setup", "accounts:two_factor_enrol")


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
            and not request.path.startswith(settings.STATIC_URL_PATH)
        ):
            has_device = has_confirmed_device(user)
            if request.path not in self.open_paths()[has_device]:
                target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)

    def open_paths(self):
        """{has a confirmed device: the paths open to that session}."""
        if self._open_paths is None:
            self._open_paths = {
                True: {reverse(name) for name in VERIFY_OPEN},
                False: {reverse(name) for name in ENROL_OPEN},
            }
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
