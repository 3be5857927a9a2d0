"""Meeting slots from a circle's pattern, in Europe/London local time.

Slots are computed as local wall-clock times and converted to UTC one by one,
so a 18:30 meeting stays at 18:30 on both sides of a UK clock change.
"""

import datetime
import zoneinfo

from dateutil.relativedelta import relativedelta

from circles.models import Frequency

LONDON = zoneinfo.ZoneInfo("Europe/London")

# Monthly circles meet every fourth week on the same weekday: a fixed weekday is
# what volunteers plan around, and it keeps the rhythm of the weekly pattern.
INTERVAL_DAYS = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.MONTHLY: 28}

REVIEW_MONTHS = {12: (3, 6, 9, 12), 18: (3, 6, 9, 12, 15, 18)}


def first_on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def local_to_utc(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """A local wall-clock time as an aware UTC datetime.

    In the spring gap (01:00–02:00 on the last Sunday of March) the time does not
    exist; ``fold=0`` moves it forward an hour, which is what a person would do.
    """
    local = datetime.datetime.combine(day, at, tzinfo=LONDON)
    return local.astimezone(datetime.UTC)


def slots(*, anchor, weekday, at, frequency, until):
    """Yield UTC start times from the first ``weekday`` on/after ``anchor`` up to ``until``."""
    day = first_on_or_after(anchor, weekday)
    step = datetime.timedelta(days=INTERVAL_DAYS[frequency])
    while day <= until:
        yield local_to_utc(day, at)
        day += step


def review_due_dates(launched_on: datetime.date, length_months: int):
    for months in REVIEW_MONTHS[length_months]:
        yield months, launched_on + relativedelta(months=months)
