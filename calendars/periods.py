"""Week and month periods in Europe/London, and the meetings of each day in them."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone

LONDON = zoneinfo.ZoneInfo("Europe/London")
WEEK, MONTH = "week", "month"


@dataclass
class Day:
    date: datetime.date
    today: bool
    in_period: bool
    meetings: list = field(default_factory=list)


@dataclass
class Period:
    view: str
    first: datetime.date  # first day shown (a Monday)
    last: datetime.date  # last day shown (a Sunday)
    anchor: datetime.date
    previous: datetime.date
    next: datetime.date
    days: list

    @property
    def weeks(self):
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]

    @property
    def title(self):
        if self.view == MONTH:
            return f"{self.anchor:%B %Y}"
        return f"Week of {self.first.day} {self.first:%B %Y}"

    def bounds_utc(self):
        start = datetime.datetime.combine(self.first, datetime.time(), LONDON)
        end = datetime.datetime.combine(
            self.last + datetime.timedelta(days=1), datetime.time(), LONDON
        )
        return start, end


def parse_day(value, today):
    try:
        day = datetime.date.fromisoformat(value) if value else today
    except ValueError:
        return today
    # Keep navigation within a sane range (a made-up year is no 500).
    if not (datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31)):
        return today
    return day


def period_for(view, anchor, today=None):
    today = today or timezone.localdate(timezone=LONDON)
    if view == MONTH:
        month_start = anchor.replace(day=1)
        month_end = (month_start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(
            days=1
        )
        first = month_start - datetime.timedelta(days=month_start.weekday())
        last = month_end + datetime.timedelta(days=6 - month_end.weekday())
        previous = (month_start - datetime.timedelta(days=1)).replace(day=1)
        nxt = month_end + datetime.timedelta(days=1)
        in_period = lambda d: d.month == month_start.month  # noqa: E731
    else:
        view = WEEK
        first = anchor - datetime.timedelta(days=anchor.weekday())
        last = first + datetime.timedelta(days=6)
        previous = first - datetime.timedelta(days=7)
        nxt = first + datetime.timedelta(days=7)
        in_period = lambda d: True  # noqa: E731
    days = [
        Day(date=d, today=d == today, in_period=in_period(d))
        for d in (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    ]
    return Period(view, first, last, anchor, previous, nxt, days)


def fill(period, meetings):
    """Put each meeting (ordered by start) on its local day."""
    by_date = {day.date: day for day in period.days}
    for meeting in meetings:
        meeting.local_start = meeting.starts_at.astimezone(LONDON)
        day = by_date.get(meeting.local_start.date())
        if day is not None:
            day.meetings.append(meeting)
    return period
