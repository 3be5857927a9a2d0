"""UK bank holidays for meeting dates, from the maintained ``holidays`` package.

The nation is the organisation's setting ``COSA_BANK_HOLIDAY_REGION`` (ENG, WLS, SCT,
NIR). A meeting on a bank holiday is flagged, not moved: the circle decides, and one
click moves it to the next day that is not a bank holiday, at the same time and venue
(later rather than earlier, so nobody loses the notice they had of the date).
"""

import datetime
import functools

import holidays
from django.conf import settings


@functools.cache
def _calendar(region: str):
    # One calendar per region, filled year by year as dates are asked about.
    return holidays.country_holidays("GB", subdiv=region)


def holiday_name(day: datetime.date, region: str | None = None) -> str | None:
    """The bank holiday's name on ``day`` (e.g. "Boxing Day"), or None."""
    return _calendar(region or settings.COSA_BANK_HOLIDAY_REGION).get(day)


def next_working_day(day: datetime.date, region: str | None = None) -> datetime.date:
    """The first day after ``day`` that is not a bank holiday (Christmas runs of two or
    three holidays are skipped together)."""
    day += datetime.timedelta(days=1)
    while holiday_name(day, region):
        day += datetime.timedelta(days=1)
    return day
