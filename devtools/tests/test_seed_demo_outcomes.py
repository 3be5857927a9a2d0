"""The demo's outcomes: a follow-up check and a reconviction after a circle."""

import pytest

from circles.models import Circle
from devtools import demo
from outcomes.models import FollowUpCheck, OutcomeEvent
from reports.queries import Period, Scope, outcomes

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_follow_up_check_and_an_event_after_the_circle(manager):
    assert demo.seed_demo() is not None
    ended = Circle.objects.get(status=Circle.Status.ENDED)
    check = FollowUpCheck.objects.get()
    assert (check.circle, check.months, check.nothing_found) == (ended, 12, True)
    event = OutcomeEvent.objects.get()
    assert event.core_member == ended.core_member
    assert event.counted_on > ended.ended_on  # after the circle
    # The 12-month cohort holds the ended circle, followed up, with nothing in 12 months.
    table = outcomes(Scope.for_user(manager), Period.default()).table("follow-up")
    assert table.rows[0][1:] == [1, 1, 0, 0, 0, 0]
    # A second run adds nothing.
    assert demo.seed_demo() is None
    assert FollowUpCheck.objects.count() == OutcomeEvent.objects.count() == 1
