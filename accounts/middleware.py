"""Session limits, the two-factor requirement, and logging of refused requests."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import AccessLog
from accounts.two_factor import has_confirmed_device, requires_two_factor

LOGIN_AT = "cosa_login_at"
SEEN_AT = "cosa_seen_at"


class SessionLimitsMiddleware:
    """End a session after SESSION_IDLE_SECONDS idle or SESSION_MAX_SECONDS in all.

    The idle limit is also the session's age on the server (the session is saved when
    the idle clock restarts), so an idle session expires by itself; this makes both
    limits explicit
    and tells the user why they were logged out (on the login page's address, since
    the session that could carry a message has just ended).

    A draft's autosave (``X-Cosa-Draft`` header) is not activity: a page left open
    must still log out. Typing is — the page pings the keep-alive while the user types.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.setdefault(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            over = (
                REASON_MAX
                if now - login_at > settings.SESSION_MAX_SECONDS
                else REASON_IDLE
                if now - seen_at > settings.SESSION_IDLE_SECONDS
                else None
            )
            if over and request.path.startswith(TOKEN_PATHS):
                # A page its token authenticates (a lone-working volunteer's help
                # button): the expired session ends quietly and the page is served.
                logout(request)
                return self.get_response(request)
            if over:
                return self._end(request, over)
            moved = SEEN_AT not in request.session or (
                now - seen_at >= settings.SESSION_TOUCH_SECONDS
            )
            if moved and not request.META.get("HTTP_X_COSA_DRAFT"):
                # The session is written only when the clock moves by a minute or more
                # (SESSION_TOUCH_SECONDS), not on every page.
                request.session[SEEN_AT] = seen_at = now
            request.session_seconds_left = settings.SESSION_IDLE_SECONDS - (now - seen_at)
        return self.get_response(request)

    @staticmethod
    def _end(request, reason):
        logout(request)
        login_url = reverse("accounts:login")
        if request.path == login_url:
            # The page's own timer brought them here: keep where they were going.
            next_url = request.GET.get("next", "")
        elif request.method == "GET":
            next_url = request.get_full_path()
        else:
            next_url = request.path
        query = {"next": next_url} if next_url else {}
        query["reason"] = reason
        if request.META.get("HTTP_X_COSA_DRAFT") or request.headers.get("Accept") == (
            "application/json"
        ):
            # A script's request: no page to send, it follows the login address itself.
            return JsonResponse({"login": f"{login_url}?{urlencode(query)}"}, status=401)
        return redirect(f"{login_url}?{urlencode(query)}")


REASON_IDLE, REASON_MAX = "idle", "max"
# Paths authenticated by a token in the address, not the session (DESIGN §6).
TOKEN_PATHS = ("/lone-working/link/",)


def session_touch(request) -> None:
    """Restart the idle clock now (the keep-alive: the user is typing)."""
    request.session[SEEN_AT] = int(time.time())
    request.session_seconds_left = settings.SESSION_IDLE_SECONDS


def logged_out_message(reason) -> str:
    """What the login page says about a session that ended by itself."""
    if reason == REASON_IDLE:
        minutes = max(1, settings.SESSION_IDLE_SECONDS // 60)
        return (
            f"You were logged out after {minutes} idle minute{'s' if minutes != 1 else ''}. "
            "What you had typed up to its last autosave was kept as a draft: log in to carry on."
        )
    if reason == REASON_MAX:
        hours = max(1, settings.SESSION_MAX_SECONDS // 3600)
        return (
            f"Your {hours}-hour session ended. Please log in again; "
            "anything you were typing was kept as a draft."
        )
    return ""


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
            # A page its token authenticates is drawn for nobody: a volunteer halfway
            # through logging in on the same phone still reaches their help button.
            and not request.path.startswith(TOKEN_PATHS)
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
