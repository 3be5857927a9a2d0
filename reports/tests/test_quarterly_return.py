"""The anonymised quarterly return: small-number suppression and no identities."""

from decimal import Decimal

import pytest

from circles.models import Concern
from reports import anonymise
from reports.anonymise import SUPPRESSED, TOO_FEW, WITHHELD, suppress
from reports.queries import Scope, Table, financial_quarter, quarter_containing, recent_quarters
from reports.tests.helpers import D, at, by_label, concern, owned_circle, shared
from sharing.models import InformationSharingRecord


def test_counts_below_five_read_less_than_five():
    # 0 to 4 are suppressed, 5 is shown; the total 5 + 0 + 4 + 9 = 18 is shown.
    assert suppress([5, 0, 4, 9], 18) == ([5, SUPPRESSED, SUPPRESSED, 9], 18)


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    # Only 3 is below 5: 23 - 20 would give it away, so 20 (the only other) is withheld.
    assert suppress([3, 20], 23) == ([SUPPRESSED, WITHHELD], 23)
    # 1 alone below 5; of 10 and 12 the smaller, 10, is withheld. 23 - 12 = 11 = 1 + 10.
    assert suppress([1, 10, 12], 23) == ([SUPPRESSED, WITHHELD, 12], 23)


def test_two_small_cells_protect_each_other():
    # 3 and 2 are both hidden: 25 - 20 = 5 could be 1 + 4, 2 + 3, ...
    assert suppress([3, 2, 20], 25) == ([SUPPRESSED, SUPPRESSED, 20], 25)


def test_a_small_total_is_suppressed_with_all_its_cells():
    assert suppress([0, 0, 4], 4) == ([SUPPRESSED] * 3, SUPPRESSED)


def test_large_counts_are_untouched():
    assert suppress([6, 7], 13) == ([6, 7], 13)
    assert suppress([2]) == ([SUPPRESSED], None)  # no total: primary suppression only


def test_a_rate_on_fewer_than_five_cases_is_withheld():
    table = Table(
        "f",
        "Figures",
        ["Figure", "Value (%)", "Based on"],
        [["few", Decimal("75.0"), 4], ["enough", Decimal("60.0"), 5], ["none", None, 0]],
        kind="figures",
    )
    assert anonymise._figures(table).rows == [
        ["few", TOO_FEW, SUPPRESSED],
        ["enough", Decimal("60.0"), 5],
        ["none", TOO_FEW, SUPPRESSED],
    ]


def test_hours_are_rounded_to_the_whole_hour_not_suppressed():
    table = Table(
        "h",
        "Hours",
        ["Kind", "Hours"],
        [["Meetings", Decimal("3.50")], ["Travel", Decimal("0.25")]],
        total=["Total", Decimal("3.75")],
        kind="hours",
    )
    # 3.50 rounds half up to 4; 0.25 to 0; 3.75 to 4.
    assert anonymise._hours(table).all_rows() == [["Meetings", 4], ["Travel", 0], ["Total", 4]]


def test_financial_quarters():
    assert financial_quarter(2026, 1).start == D(2026, 4, 1)
    assert financial_quarter(2026, 1).end == D(2026, 6, 30)
    assert financial_quarter(2026, 4).start == D(2027, 1, 1)
    assert financial_quarter(2026, 4).end == D(2027, 3, 31)
    assert quarter_containing(D(2027, 2, 14)) == (2026, 4)
    # On 1 July 2026 the last complete quarter is April to June 2026.
    assert recent_quarters(D(2026, 7, 1), 2) == [(2026, 1), (2025, 4)]


@pytest.fixture
def busy_quarter(quarter, coordinator):
    """Alice's quarter: seven records shared (six on consent, one override), three concerns."""
    circle = owned_circle(coordinator, launched_on=D(2026, 1, 5), mappa=(1, 2))
    Urgency = InformationSharingRecord.Urgency
    for day in range(1, 7):
        shared(circle, at(2026, 5, day), Urgency.ROUTINE)
    shared(circle, at(2026, 5, 20), Urgency.URGENT, override=True)
    for day in (3, 4, 5):
        concern(circle, at(2026, 4, day), Concern.Severity.AMBER)
    return circle


def test_the_return_suppresses_small_numbers(busy_quarter, coordinator):
    tables = {
        table.slug: table
        for table in anonymise.quarterly_return(
            Scope.for_user(coordinator), financial_quarter(2026, 1)
        )
    }
    # Records: 6 on consent, 1 override, 7 shared. The override (1) is below 5; 7 - 6
    # would reveal it, so the 6 is withheld too; the total 7 stays.
    assert by_label(tables["records-shared-by-basis"]) == {
        "Consent (sharing agreement)": [WITHHELD],
        "Public-protection override": [SUPPRESSED],
        "Shared": [7],
    }
    # Concerns: 3 amber, 0 red, total 3: everything below 5.
    assert by_label(tables["concerns"]) == {
        "Amber": [SUPPRESSED],
        "Red": [SUPPRESSED],
        "Total": [SUPPRESSED],
    }
    # One Core Member, MAPPA category 1 level 2: every MAPPA cell suppressed.
    assert set(sum(by_label(tables["core-members-by-mappa-level"]).values(), [])) == {SUPPRESSED}
    # The records table's derived figure: share to acknowledgement has no cases.
    safety = by_label(tables["safety-figures"])
    assert safety["From concern raised to record shared"] == [TOO_FEW, SUPPRESSED]


def test_the_return_names_no_one(busy_quarter, coordinator):
    tables = anonymise.quarterly_return(Scope.for_user(coordinator), financial_quarter(2026, 1))
    text = repr([table.all_rows() for table in tables] + [t.title for t in tables])
    core_member = busy_quarter.core_member
    for identity in (
        core_member.reference,
        core_member.first_name,
        core_member.last_name,
        coordinator.last_name,
        busy_quarter.name,
    ):
        assert identity not in text
    assert all(table.chart is None for table in tables)
