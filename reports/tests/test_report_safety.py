"""Safety figures against a fixture worked out by hand (period 1 April to 30 June 2026)."""

from decimal import Decimal

import pytest

from circles.models import Concern
from coreMembers.tests.factories import InformationSharingRecordFactory
from reports.queries import Scope, safety
from reports.tests.helpers import D, at, by_label, concern, owned_circle, recipient, shared
from sharing.models import InformationSharingRecord

Record = InformationSharingRecord


@pytest.fixture
def safety_world(quarter, coordinator, other_coordinator):
    alice, bob = coordinator, other_coordinator
    c1 = owned_circle(alice, launched_on=D(2026, 1, 5))
    RED, AMBER = Concern.Severity.RED, Concern.Severity.AMBER
    k1 = concern(c1, at(2026, 4, 2, 20), RED, Concern.Status.TRIAGED, imminent_risk=True)
    concern(c1, at(2026, 4, 10), AMBER, Concern.Status.CLOSED)
    concern(c1, at(2026, 5, 1), AMBER)
    k4 = concern(c1, at(2026, 6, 1, 10), RED, Concern.Status.TRIAGED)
    concern(c1, at(2026, 3, 20), AMBER)  # before the period
    # r1: urgent, 6 hours after k1 (20:00 -> 02:00); acknowledged after 2 and 10 hours.
    r1 = shared(c1, at(2026, 4, 3, 2), Record.Urgency.URGENT, source_concern=k1)
    recipient(r1, at(2026, 4, 3, 4))
    recipient(r1, at(2026, 4, 3, 12))
    Concern.objects.filter(pk=k1.pk).update(status=Concern.Status.SHARED, shared_record=r1)
    # r2: routine, public-protection override, 24 hours after k4; acknowledged after 72 hours.
    r2 = shared(c1, at(2026, 6, 2, 10), Record.Urgency.ROUTINE, source_concern=k4, override=True)
    recipient(r2, at(2026, 6, 5, 10))
    # r3: priority, on consent, no concern behind it; not acknowledged yet.
    recipient(shared(c1, at(2026, 5, 15, 9), Record.Urgency.PRIORITY))
    InformationSharingRecordFactory(core_member=c1.core_member, circle=c1)  # a draft
    shared(c1, at(2026, 3, 15), Record.Urgency.ROUTINE)  # before the period

    c_bob = owned_circle(bob, launched_on=D(2026, 1, 5))
    concern(c_bob, at(2026, 5, 5), AMBER)
    return alice, bob


def test_concerns_by_severity(safety_world, quarter):
    alice, bob = safety_world
    table = safety(Scope.for_user(alice), quarter).table("concerns")
    # Columns: raised, imminent risk, shared, closed, still open.
    # Amber: 10 Apr closed, 1 May raised -> 2, 0, 0, 1, 1 (20 Mar is before the period).
    # Red: k1 imminent and shared, k4 triaged -> 2, 1, 1, 0, 1.
    assert by_label(table) == {
        "Amber": [2, 0, 0, 1, 1],
        "Red": [2, 1, 1, 0, 1],
        "Total": [4, 1, 1, 1, 2],
    }
    assert by_label(safety(Scope.for_user(bob), quarter).table("concerns"))["Total"] == [
        1,
        0,
        0,
        0,
        1,
    ]


def test_records_shared_and_overrides(safety_world, quarter, manager):
    alice, bob = safety_world
    table = safety(Scope.for_user(alice), quarter).table("records-shared")
    # Columns: shared, on consent, override. Draft and 15 March record not counted.
    assert by_label(table) == {
        "Routine": [1, 0, 1],
        "Priority": [1, 1, 0],
        "Urgent (imminent risk)": [1, 1, 0],
        "Total": [3, 2, 1],
    }
    assert by_label(safety(Scope.for_user(bob), quarter).table("records-shared"))["Total"] == [
        0,
        0,
        0,
    ]
    assert by_label(safety(Scope.for_user(manager), quarter).table("records-shared"))["Total"] == [
        3,
        2,
        1,
    ]


def test_median_hours_concern_to_share_and_share_to_acknowledgement(safety_world, quarter):
    alice, bob = safety_world
    rows = safety(Scope.for_user(alice), quarter).table("safety-figures").rows
    # Concern to share: 6 and 24 hours -> (6 + 24) / 2 = 15.0 hours over 2 records.
    assert rows[0][1:] == [Decimal("15.0"), 2]
    # Share to acknowledgement per recipient: 2, 10, 72 hours -> 10.0 (r3 is unacknowledged).
    assert rows[1][1:] == [Decimal("10.0"), 3]
    bob_rows = safety(Scope.for_user(bob), quarter).table("safety-figures").rows
    assert bob_rows[0][1:] == [None, 0] and bob_rows[1][1:] == [None, 0]
