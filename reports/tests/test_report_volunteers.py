"""Volunteer figures against a fixture worked out by hand.

Today is 30 June 2026; the period is 1 April to 30 June 2026. A DBS check is
rechecked three years after issue.
"""

from decimal import Decimal

import pytest

from circles.tests.factories import CircleMembershipFactory
from reports.queries import Scope, volunteers
from reports.tests.helpers import D, by_label, owned_circle
from volunteers.models import Volunteer
from volunteers.tests.factories import DBSCheckFactory, VolunteerFactory

ACTIVE, PAUSED, LEFT, TRAINING = (
    Volunteer.Status.ACTIVE,
    Volunteer.Status.PAUSED,
    Volunteer.Status.LEFT,
    Volunteer.Status.TRAINING,
)


def volunteer(status, started_on=None, left_on=None, dbs_issued=None):
    person = VolunteerFactory(status=status, started_on=started_on, left_on=left_on)
    if dbs_issued:
        DBSCheckFactory(volunteer=person, issued_on=dbs_issued)
    return person


@pytest.fixture
def pool(quarter, coordinator, other_coordinator):
    alice, bob = coordinator, other_coordinator
    c1 = owned_circle(alice, launched_on=D(2025, 6, 1))
    c2 = owned_circle(alice, launched_on=D(2026, 5, 1))
    c_bob = owned_circle(bob, launched_on=D(2025, 1, 1))
    # v1: recheck due 1 Aug 2026, 32 days from today: due within 60 days.
    v1 = volunteer(ACTIVE, D(2025, 1, 1), dbs_issued=D(2023, 8, 1))
    v2 = volunteer(ACTIVE, D(2025, 2, 1), dbs_issued=D(2025, 1, 1))
    # v3 left on 15 May, during the period (an overdue DBS does not count once left).
    v3 = volunteer(LEFT, D(2024, 5, 1), D(2026, 5, 15), dbs_issued=D(2023, 1, 1))
    # v4 started after the period began; recheck was due 1 Jun 2026: overdue.
    v4 = volunteer(PAUSED, D(2026, 4, 15), dbs_issued=D(2023, 6, 1))
    # v5 left Alice's circle before the period: not in her figures.
    v5 = volunteer(ACTIVE, D(2024, 1, 1), dbs_issued=D(2025, 1, 1))
    volunteer(TRAINING)  # v6: in no circle, no DBS check yet
    v7 = volunteer(ACTIVE, D(2025, 1, 1), dbs_issued=D(2025, 1, 1))
    for person, circle, joined, left in [
        (v1, c1, D(2025, 6, 1), None),
        (v2, c1, D(2025, 6, 1), None),
        (v3, c1, D(2025, 6, 1), D(2026, 5, 15)),
        (v4, c2, D(2026, 5, 1), None),
        (v5, c1, D(2025, 6, 1), D(2026, 3, 1)),
        (v7, c_bob, D(2025, 1, 1), None),
    ]:
        CircleMembershipFactory(circle=circle, volunteer=person, joined_on=joined, left_on=left)
    return alice, bob


def test_a_coordinator_counts_the_volunteers_of_their_circles(pool, quarter):
    alice, bob = pool
    report = volunteers(Scope.for_user(alice), quarter)
    # In Alice's circles during the period: v1, v2 active; v4 paused; v3 left.
    assert by_label(report.table("volunteers-by-status")) == {
        "Applied": [0],
        "Vetting": [0],
        "Training": [0],
        "Active": [2],
        "Paused": [1],
        "Left": [1],
        "Total": [4],
    }
    # v1 due within 60 days; v4 overdue; v2 current; v3 has left.
    assert by_label(report.table("dbs")) == {
        "Recheck overdue": [1],
        "Recheck due within 60 days": [1],
        "No DBS check recorded": [0],
    }
    bob_report = volunteers(Scope.for_user(bob), quarter)
    assert by_label(bob_report.table("volunteers-by-status"))["Total"] == [1]


def test_the_whole_pool_for_a_manager(pool, quarter, manager):
    report = volunteers(Scope.for_user(manager), quarter)
    statuses = by_label(report.table("volunteers-by-status"))
    # Active v1, v2, v5, v7 = 4; training v6; paused v4; left v3: 7 in all.
    assert statuses["Active"] == [4] and statuses["Training"] == [1]
    assert statuses["Total"] == [7]
    # v6 in training has no DBS check recorded.
    assert by_label(report.table("dbs"))["No DBS check recorded"] == [1]


def test_retention_of_volunteers_active_at_the_start(pool, quarter, manager):
    alice, _ = pool
    report = volunteers(Scope.for_user(alice), quarter)
    # Active on 1 April: v1, v2, v3 (v4 started 15 April) = 3; v3 left on 15 May.
    assert by_label(report.table("retention")) == {
        "Still volunteering at the end": [2],
        "Left during the period": [1],
        "Active on the first day": [3],
    }
    # 2 / 3 = 66.7 %.
    assert report.table("volunteer-figures").rows[0][1:] == [Decimal("66.7"), 3]
    # The whole pool: v1, v2, v3, v5, v7 active on 1 April; v3 left: 4 / 5 = 80.0 %.
    everyone = volunteers(Scope.for_user(manager), quarter)
    assert everyone.table("volunteer-figures").rows[0][1:] == [Decimal("80.0"), 5]


def test_hours_and_expenses_in_the_period_for_the_coordinators_circles(
    quarter, coordinator, other_coordinator
):
    from volunteering.tests.factories import MileageClaimFactory
    from volunteers.tests.factories import VolunteerHoursFactory

    mine = CircleMembershipFactory(circle=owned_circle(coordinator, launched_on=D(2026, 1, 5)))
    theirs = CircleMembershipFactory(
        circle=owned_circle(other_coordinator, launched_on=D(2026, 1, 5))
    )
    for membership in (mine, theirs):
        VolunteerHoursFactory(
            volunteer=membership.volunteer, circle=membership.circle, worked_on=D(2026, 5, 1)
        )
        MileageClaimFactory(membership=membership, incurred_on=D(2026, 5, 2), status="APPROVED")
    # Before the period: not counted.
    VolunteerHoursFactory(volunteer=mine.volunteer, circle=mine.circle, worked_on=D(2026, 3, 31))
    MileageClaimFactory(membership=mine, incurred_on=D(2026, 3, 31))
    report = volunteers(Scope.for_user(coordinator), quarter)
    assert by_label(report.table("volunteer-hours-by-kind"))["Meetings"] == [Decimal("1.50")]
    expenses = by_label(report.table("expenses"))
    assert expenses["Approved"] == [Decimal("4.50"), 1]
    assert expenses["Submitted"] == [Decimal("0.00"), 0]
