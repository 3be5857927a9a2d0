"""The iCalendar body of a user's feed: a neutral circle name and a time, nothing else
by default (never a Core Member's name, offence or minutes)."""

import datetime
import hashlib

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from calendars.access import meetings_visible_to
from calendars.periods import LONDON
from circles.models import Meeting
from circles.reminders import VTIMEZONE_LONDON

# A feed holds the recent past and the coming months, not a circle's whole history.
PAST = datetime.timedelta(days=31)
AHEAD = datetime.timedelta(days=190)
MAX_EVENTS = 500


WINDOW_SECONDS = 60


def over_limit(key: str, limit: int, *, store=None, now=None) -> bool:
    """Count one request against ``key`` in this minute's window; True when over ``limit``.

    The count lives in Django's cache (``store``, default the default cache), which the
    settings make one store for every process: Redis in production, where ``incr`` is
    atomic, so the workers of every host share one limit. The window is the clock's
    minute, so the count starts again at the next minute.
    """
    store = store if store is not None else cache
    moment = now or timezone.now()
    window = int(moment.timestamp() // WINDOW_SECONDS)
    key = f"calendars-feed:{key}:{window}"
    store.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return store.incr(key) > limit
    except ValueError:  # evicted between add and incr
        return False


def token_key(raw: str) -> str:
    """The rate-limit key of a token (its digest: no raw token in the cache)."""
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def feed_meetings(user):
    now = timezone.now()
    return list(
        meetings_visible_to(user)
        .filter(starts_at__gte=now - PAST, starts_at__lt=now + AHEAD)
        .select_related("circle")
        .order_by("starts_at", "pk")[:MAX_EVENTS]
    )


def feed_ics(meetings, *, include_venue: bool) -> bytes:
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "cosa"
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//CoSA case management//Calendar feed//EN")
    calendar.add("x-wr-calname", "CoSA meetings")
    calendar.add_component(icalendar.Timezone.from_ical("\r\n".join(VTIMEZONE_LONDON)))
    stamp = timezone.now()
    for meeting in meetings:
        event = icalendar.Event()
        event.add("uid", f"meeting-{meeting.pk}@{host}")
        event.add("dtstamp", stamp.astimezone(datetime.UTC))
        start = meeting.starts_at.astimezone(LONDON)
        event.add("dtstart", start)
        event.add("dtend", start + datetime.timedelta(minutes=meeting.duration_minutes))
        event.add("summary", f"{meeting.circle.name}: {meeting.get_kind_display()}")
        if meeting.status == Meeting.Status.CANCELLED:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        if include_venue:
            venue = meeting.venue or meeting.circle.venue
            if venue:
                event.add("location", venue)
        calendar.add_component(event)
    return calendar.to_ical()
