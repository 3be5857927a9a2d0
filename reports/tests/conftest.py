import pytest


@pytest.fixture
def quarter(freeze_time):
    """The clock stopped at noon on 30 June 2026; the period is April to June 2026."""
    import datetime

    from reports.queries import Period

    freeze_time(datetime.datetime(2026, 6, 30, 12, 0))
    return Period(datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
