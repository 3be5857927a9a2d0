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


# Each event's text is kept in the cache under a digest of everything it says, so a
# changed meeting (time, length, status, name, venue) is a new key and never a stale
# event: serialising 150 events took most of a coordinator's feed request.
EVENT_CACHE_SECONDS = 60 * 60 * 24 * 7


def _event_content(meeting, *, include_venue, host):
    start = meeting.starts_at.astimezone(LONDON)
    venue = (meeting.venue or meeting.circle.venue) if include_venue else ""
    return (
        f"meeting-{meeting.pk}@{host}",
        start.isoformat(),
        (start + datetime.timedelta(minutes=meeting.duration_minutes)).isoformat(),
        f"{meeting.circle.name}: {meeting.get_kind_display()}",
        "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED",
        venue or "",
    )


def _event_ical(content, stamp) -> bytes:
    uid, start, end, summary, status, venue = content
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("dtstart", datetime.datetime.fromisoformat(start).astimezone(LONDON))
    event.add("dtend", datetime.datetime.fromisoformat(end).astimezone(LONDON))
    event.add("summary", summary)
    event.add("status", status)
    if venue:
        event.add("location", venue)
    return event.to_ical()


def _event_key(content):
    digest = hashlib.sha256(repr(content).encode()).hexdigest()[:40]
    return f"calendars-vevent:{digest}"


END_CALENDAR = b"END:VCALENDAR\r\n"


def feed_ics(meetings, *, include_venue: bool) -> bytes:
    """The feed's calendar: the wrapper and time zone, then each meeting's event, read
    from the cache when that exact event was written before (its DTSTAMP is then the
    time it was first written: when that version of the meeting was published)."""
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "cosa"
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//CoSA case management//Calendar feed//EN")
    calendar.add("x-wr-calname", "CoSA meetings")
    calendar.add_component(icalendar.Timezone.from_ical("\r\n".join(VTIMEZONE_LONDON)))
    contents = [_event_content(m, include_venue=include_venue, host=host) for m in meetings]
    keys = [_event_key(content) for content in contents]
    cached = cache.get_many(keys)
    stamp = timezone.now()
    written = {}
    events = []
    for key, content in zip(keys, contents, strict=True):
        text = cached.get(key) or written.get(key)
        if text is None:
            text = written[key] = _event_ical(content, stamp)
        events.append(text)
    if written:
        cache.set_many(written, timeout=EVENT_CACHE_SECONDS)
    head, end, tail = calendar.to_ical().rpartition(END_CALENDAR)
    return head + b"".join(events) + end + tail
