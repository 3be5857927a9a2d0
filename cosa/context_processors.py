"""Values every page's layout needs."""

from django.conf import settings


def session_limits(request):
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        # From the server's idle clock, which a page view restarts once a minute at most.
        "session_seconds_left": getattr(
            request, "session_seconds_left", settings.SESSION_IDLE_SECONDS
        ),
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }
