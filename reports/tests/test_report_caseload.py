"""Caseload figures against a fixture worked out by hand. Period: 1 April to 30 June 2026."""

import pytest

from circles.models import Circle
from coreMembers.models import Referral
from reports.queries import Scope, caseload
from reports.tests.helpers import D, by_label, owned_circle, owned_referral

A, S, F, E = (
    Circle.Status.ACTIVE,
    Circle.Status.STEP_DOWN,
    Circle.Status.FORMING,
    Circle.Status.ENDED,
)


@pytest.fixture
def caseloads(quarter, coordinator, other_coordinator):
    """Alice's seven circles and five loose referrals; Bob's one circle."""
    alice, bob = coordinator, other_coordinator
    # c1: launched 10 Apr, referred 1 Mar: 31 - 1 = 30 days of March + 10 = 40 days.
    owned_circle(alice, launched_on=D(2026, 4, 10), referral_on=D(2026, 3, 1), mappa=(1, 1))
    # c2: launched 1 May, referred 1 Apr: 30 days.
    owned_circle(alice, launched_on=D(2026, 5, 1), referral_on=D(2026, 4, 1), mappa=(1, 2))
    # c3: stepping down, launched last year (not in the median).
    owned_circle(alice, status=S, launched_on=D(2025, 1, 15), mappa=(2, 1))
    # c4: ended inside the period: still counted as open in the period.
    owned_circle(
        alice, status=E, launched_on=D(2025, 5, 1), ended_on=D(2026, 5, 20), end_reason="COMPLETED"
    )
    # c5: ended before the period began: not counted anywhere.
    owned_circle(
        alice,
        status=E,
        launched_on=D(2025, 1, 1),
        ended_on=D(2026, 3, 1),
        end_reason="OTHER",
        mappa=(3, 3),
    )
    # c6: forming, referred 15 May.
    owned_circle(alice, status=F, referral_on=D(2026, 5, 15), mappa=(1, 1))
    # c7: launched 20 Jun, referred 1 Jun: 19 days.
    owned_circle(alice, launched_on=D(2026, 6, 20), referral_on=D(2026, 6, 1), mappa=(3, 3))
    for received_on, status in [
        (D(2026, 4, 15), Referral.Status.DECLINED),
        (D(2026, 5, 5), Referral.Status.WITHDRAWN),
        (D(2026, 6, 10), Referral.Status.RECEIVED),
        (D(2026, 6, 12), Referral.Status.ASSESSING),
        (D(2026, 3, 31), Referral.Status.DECLINED),  # the day before the period
    ]:
        owned_referral(alice, received_on, status)
    # Bob: launched 20 Apr, referred 1 Jan: 30 + 28 + 31 + 20 = 109 days.
    owned_circle(bob, launched_on=D(2026, 4, 20), referral_on=D(2026, 1, 1), mappa=(3, 3))
    return alice, bob


def test_circles_by_state_count_only_the_coordinators_own(caseloads, quarter):
    alice, bob = caseloads
    # Open in the period: c1, c2, c7 active; c3 stepping down; c4 ended in it; c6 forming.
    alice_table = by_label(caseload(Scope.for_user(alice), quarter).table("circles-by-state"))
    assert alice_table == {
        "Forming": [1],
        "Active": [3],
        "Stepping down": [1],
        "Ended": [1],
        "Total": [6],
    }
    bob_table = by_label(caseload(Scope.for_user(bob), quarter).table("circles-by-state"))
    assert bob_table["Active"] == [1] and bob_table["Total"] == [1]


def test_manager_sees_everyone_or_one_coordinator(caseloads, quarter, manager):
    alice, bob = caseloads
    everyone = by_label(caseload(Scope.for_user(manager), quarter).table("circles-by-state"))
    # 3 of Alice's active + Bob's 1.
    assert everyone["Active"] == [4] and everyone["Total"] == [7]
    only_bob = caseload(Scope.for_user(manager, bob), quarter)
    assert by_label(only_bob.table("circles-by-state"))["Total"] == [1]
    # The manager's view of Alice is exactly Alice's own view.
    as_manager = caseload(Scope.for_user(manager, alice), quarter)
    as_alice = caseload(Scope.for_user(alice), quarter)
    assert [t.all_rows() for t in as_manager.tables] == [t.all_rows() for t in as_alice.tables]


def test_core_members_by_mappa_category_and_level(caseloads, quarter):
    alice, _ = caseloads
    table = caseload(Scope.for_user(alice), quarter).table("core-members-by-mappa")
    # Columns: level 1, level 2, level 3, level not recorded, total.
    # Category 1: c1 (level 1), c6 (level 1), c2 (level 2) -> 2, 1, 0, 0 = 3.
    # Category 2: c3 (level 1) -> 1. Category 3: c7 (level 3) -> 1 (c5 ended before the period).
    # Not recorded: c4 -> 1. Total 6, the same six circles as open in the period.
    assert by_label(table) == {
        "Category 1": [2, 1, 0, 0, 3],
        "Category 2": [1, 0, 0, 0, 1],
        "Category 3": [0, 0, 1, 0, 1],
        "Category not recorded": [0, 0, 0, 1, 1],
        "Total": [3, 1, 1, 1, 6],
    }


def test_referrals_received_by_decision(caseloads, quarter):
    alice, bob = caseloads
    table = caseload(Scope.for_user(alice), quarter).table("referrals")
    # In the period: accepted c2 (1 Apr), c6 (15 May), c7 (1 Jun) = 3; declined 15 Apr = 1;
    # withdrawn 5 May = 1; received 10 Jun + assessing 12 Jun = 2 undecided. c1 (1 Mar) and
    # the decline of 31 Mar are before the period. 3 + 1 + 1 + 2 = 7 received.
    assert by_label(table) == {
        "Accepted": [3],
        "Declined": [1],
        "Withdrawn": [1],
        "Not yet decided": [2],
        "Received": [7],
    }
    # Bob's only referral (1 Jan) is before the period.
    assert by_label(caseload(Scope.for_user(bob), quarter).table("referrals"))["Received"] == [0]


def test_median_days_from_referral_to_launch(caseloads, quarter, manager):
    alice, bob = caseloads
    figures = caseload(Scope.for_user(alice), quarter).table("referral-to-launch")
    # Launched in the period: c1 40, c2 30, c7 19 days. Sorted 19, 30, 40: median 30.
    assert figures.rows[0][1:] == [30, 3]
    everyone = caseload(Scope.for_user(manager), quarter).table("referral-to-launch")
    # With Bob's 109: 19, 30, 40, 109 -> (30 + 40) / 2 = 35.
    assert everyone.rows[0][1:] == [35, 4]
    assert caseload(Scope.for_user(bob), quarter).table("referral-to-launch").rows[0][1:] == [
        109,
        1,
    ]


def test_an_empty_caseload_has_zeros_and_no_median(quarter, coordinator):
    report = caseload(Scope.for_user(coordinator), quarter)
    assert by_label(report.table("circles-by-state"))["Total"] == [0]
    assert report.table("referral-to-launch").rows[0][1:] == [None, 0]


def test_mappa_as_it_stood_at_the_end_of_the_period(quarter, coordinator):
    from coreMembers.services import mappa_record
    from reports.queries import financial_quarter

    circle = owned_circle(coordinator, launched_on=D(2025, 4, 15))
    core_member = circle.core_member
    mappa_record(core_member=core_member, category=1, level=1, effective_from=D(2025, 7, 1))
    # Raised to level 2 from 1 May 2026: the record now says 1 / 2.
    mappa_record(core_member=core_member, category=1, level=2, effective_from=D(2026, 5, 1))
    core_member.refresh_from_db()
    assert (core_member.mappa_category, core_member.mappa_level) == (1, 2)
    scope = Scope.for_user(coordinator)
    # January to March 2026: level 1 then. April to June 2026: level 2 by 30 June.
    last_quarter = caseload(scope, financial_quarter(2025, 4)).table("core-members-by-mappa")
    assert by_label(last_quarter)["Category 1"] == [1, 0, 0, 0, 1]
    this_quarter = caseload(scope, quarter).table("core-members-by-mappa")
    assert by_label(this_quarter)["Category 1"] == [0, 1, 0, 0, 1]
    # April to June 2025: the history starts in July, so nothing was recorded then.
    before = caseload(scope, financial_quarter(2025, 1)).table("core-members-by-mappa")
    assert by_label(before)["Category not recorded"] == [0, 0, 0, 1, 1]
