"""Recall and reconviction during and after the circle at 12 and 24 months,
against a fixture worked out by hand.

Period 1 April to 30 June 2026 (clock frozen at noon on 30 June 2026). Follow-up counts
from the launch: the 12-month cohort is the circles ended by 30 June 2026 and launched
on or before 30 June 2025 (365 days); the 24-month cohort launched on or before 30 June
2024 (730 days). An event is placed by its offence date when recorded, else its own
date; "day N" below is the number of days from the launch.
During: 0 <= day <= min(days the circle ran, 365 or 730). After: ran < day <= 365 or 730.

Alice's circles:
  c1 launched 2025-05-01, ended 2026-05-01 (ran 365). Sexual reconviction convicted
     2026-06-01 for an offence on 2026-04-20 (day 354): during, 12 months.
     12-month check recorded (found).
  c2 launched 2024-03-01, ended 2025-01-31 (ran 336). Recalls on 2024-12-27 (day 301)
     and 2025-01-31 (day 336): during, counted once. Violent reconviction 2025-09-01,
     no offence date (day 549): outside 12 months; after, 24 months.
     12- and 24-month checks recorded.
  c3 launched 2024-06-01, ended 2025-01-01 (ran 214). Recall 2025-03-01 (day 273):
     after, 12 and 24 months. Sexual reconviction convicted 2026-01-10 for an offence on
     2025-12-01 (day 548): after, 24 months only. 12-month check recorded.
  c4 launched 2025-10-15, ended 2026-04-15: too recent for either cohort (its recall
     on 2026-01-01 is not counted).
  c5 launched 2025-01-01, still active: not ended, so in no cohort (recall not counted).
  c6 launched 2024-01-01, ended 2026-06-10 (ran 891). Violent reconviction convicted
     2024-03-01 for an offence on 2024-01-15 (day 14): during, 12 and 24. A recall on
     2023-12-01 (day -31) is before the launch: not counted. 24-month check recorded.
  c7 launched 2025-06-30 (the last day of the 12-month cohort), ended 2026-06-30
     (ran 365). Recall 2026-06-30 (day 365): during, 12 months (the window's last day).
  c8 launched 2025-01-01, ended 2025-03-01 (ran 59). Other reconviction 2025-12-31
     (day 364) and recall 2026-01-01 (day 365): after, 12 months. Not in the 24 cohort.
  c9 launched 2025-02-01, ended 2025-08-01 (ran 181). Sexual reconviction 2026-02-02
     (day 366): one day past 12 months, not counted. Not in the 24 cohort.
Bob's ended circle with a recall is another caseload: never in Alice's figures.

12 months: cohort c1 c2 c3 c6 c7 c8 c9 = 7; followed up c1 c2 c3 = 3.
  recalled during c2 c7 = 2; reconvicted during c1 c6 = 2;
  recalled after c3 c8 = 2; reconvicted after c8 = 1.
  by type: sexual during c1 = 1, after 0; violent during c6 = 1, after 0;
  other during 0, after c8 = 1.
24 months: cohort c2 c3 c6 = 3; followed up c2 c6 = 2.
  recalled during c2 = 1; reconvicted during c6 = 1;
  recalled after c3 = 1; reconvicted after c2 c3 = 2.
  by type: sexual during 0, after c3 = 1; violent during c6 = 1, after c2 = 1; other 0, 0.
Rates among circles followed up (during and after together, within the window):
  12: followed c1 c2 c3. Sexual c1 = 1 of 3 (33.3%); any reconviction c1 = 1 of 3
      (33.3%; c2's and c3's fall after day 365); recalled c2 c3 = 2 of 3 (66.7%).
  24: followed c2 c6. Sexual 0 of 2 (0.0%); any reconviction c2 c6 = 2 of 2 (100.0%);
      recalled c2 = 1 of 2 (50.0%; c6's recall was before its launch).
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AgencyFactory
from circles.models import Circle
from outcomes.models import FollowUpCheck, OutcomeEvent
from reports.anonymise import SUPPRESSED, TOO_FEW, quarterly_return
from reports.queries import Scope, outcomes
from reports.tests.helpers import D, by_label, owned_circle

ENDED = Circle.Status.ENDED
RECALL, RECONVICTION = OutcomeEvent.Kind.RECALL, OutcomeEvent.Kind.RECONVICTION
SEXUAL, VIOLENT, OTHER = "SEXUAL", "VIOLENT", "OTHER"


def ended(coordinator, launched_on, ended_on, reason="COMPLETED"):
    return owned_circle(
        coordinator, status=ENDED, launched_on=launched_on, ended_on=ended_on, end_reason=reason
    )


def event(circle, kind, occurred_on, offence_type="", offence_on=None):
    return OutcomeEvent.objects.create(
        core_member=circle.core_member,
        circle=circle,
        kind=kind,
        offence_type=offence_type,
        occurred_on=occurred_on,
        offence_on=offence_on,
        source_agency=AgencyFactory(),
    )


def check(circle, months, nothing_found=False):
    return FollowUpCheck.objects.create(
        circle=circle,
        months=months,
        checked_on=D(2026, 6, 1),
        checked_with=AgencyFactory(),
        nothing_found=nothing_found,
        note="" if nothing_found else "See the events recorded.",
    )


@pytest.fixture
def follow_up_world(quarter, coordinator, other_coordinator):
    alice, bob = coordinator, other_coordinator
    c1 = ended(alice, D(2025, 5, 1), D(2026, 5, 1))
    event(c1, RECONVICTION, D(2026, 6, 1), SEXUAL, D(2026, 4, 20))
    check(c1, 12)
    c2 = ended(alice, D(2024, 3, 1), D(2025, 1, 31), "RECALLED")
    event(c2, RECALL, D(2024, 12, 27))
    event(c2, RECALL, D(2025, 1, 31))
    event(c2, RECONVICTION, D(2025, 9, 1), VIOLENT)
    check(c2, 12)
    check(c2, 24)
    c3 = ended(alice, D(2024, 6, 1), D(2025, 1, 1), "WITHDREW")
    event(c3, RECALL, D(2025, 3, 1))
    event(c3, RECONVICTION, D(2026, 1, 10), SEXUAL, D(2025, 12, 1))
    check(c3, 12)
    c4 = ended(alice, D(2025, 10, 15), D(2026, 4, 15))
    event(c4, RECALL, D(2026, 1, 1))
    c5 = owned_circle(alice, launched_on=D(2025, 1, 1))
    event(c5, RECALL, D(2025, 6, 1))
    c6 = ended(alice, D(2024, 1, 1), D(2026, 6, 10), "OTHER")
    event(c6, RECONVICTION, D(2024, 3, 1), VIOLENT, D(2024, 1, 15))
    event(c6, RECALL, D(2023, 12, 1))
    check(c6, 24)
    c7 = ended(alice, D(2025, 6, 30), D(2026, 6, 30), "RECALLED")
    event(c7, RECALL, D(2026, 6, 30))
    c8 = ended(alice, D(2025, 1, 1), D(2025, 3, 1))
    event(c8, RECONVICTION, D(2025, 12, 31), OTHER)
    event(c8, RECALL, D(2026, 1, 1))
    c9 = ended(alice, D(2025, 2, 1), D(2025, 8, 1))
    event(c9, RECONVICTION, D(2026, 2, 2), SEXUAL)
    b1 = ended(bob, D(2024, 1, 1), D(2025, 1, 1))
    event(b1, RECALL, D(2024, 6, 1))
    check(b1, 12)
    return alice, bob


def test_followed_up_recalled_and_reconvicted_during_and_after(follow_up_world, quarter):
    alice, _ = follow_up_world
    table = outcomes(Scope.for_user(alice), quarter).table("follow-up")
    # cohort, followed up, recalled during, reconvicted during, recalled after,
    # reconvicted after (see the module docstring).
    assert by_label(table) == {
        "12 months after launch": [7, 3, 2, 2, 2, 1],
        "24 months after launch": [3, 2, 1, 1, 1, 2],
    }


def test_reconvictions_by_offence_type(follow_up_world, quarter):
    alice, _ = follow_up_world
    table = outcomes(Scope.for_user(alice), quarter).table("follow-up-reconvictions")
    # During 12, after 12, during 24, after 24.
    assert by_label(table) == {
        "Sexual offence": [1, 0, 0, 1],
        "Violent offence (not sexual)": [1, 0, 1, 1],
        "Other offence": [0, 1, 0, 0],
    }


def test_rates_among_circles_followed_up(follow_up_world, quarter):
    alice, _ = follow_up_world
    table = outcomes(Scope.for_user(alice), quarter).table("follow-up-rates")
    assert [row[1:] for row in table.rows] == [
        [Decimal("33.3"), 3],  # 12: sexual, c1 of c1 c2 c3
        [Decimal("33.3"), 3],  # 12: any reconviction, c1
        [Decimal("66.7"), 3],  # 12: recalled, c2 c3
        [Decimal("0.0"), 2],  # 24: sexual, none of c2 c6
        [Decimal("100.0"), 2],  # 24: any reconviction, c2 c6
        [Decimal("50.0"), 2],  # 24: recalled, c2
    ]
    assert table.rows[0][0].startswith("Reconvicted of a sexual offence within 12 months")


def test_the_other_coordinators_caseload_and_the_whole_service(follow_up_world, quarter, manager):
    _, bob = follow_up_world
    # Bob: b1 launched 2024-01-01, ended 2025-01-01 (ran 366); recall on 2024-06-01
    # (day 152): during, 12 and 24 months; 12-month check only.
    table = outcomes(Scope.for_user(bob), quarter).table("follow-up")
    assert by_label(table) == {
        "12 months after launch": [1, 1, 1, 0, 0, 0],
        "24 months after launch": [1, 0, 1, 0, 0, 0],
    }
    # The whole service adds Bob's to Alice's.
    table = outcomes(Scope.for_user(manager), quarter).table("follow-up")
    assert by_label(table) == {
        "12 months after launch": [8, 4, 3, 2, 2, 1],
        "24 months after launch": [4, 2, 2, 1, 1, 2],
    }


def test_nothing_recorded_reads_zero_and_rates_have_no_value(quarter, coordinator):
    ended(coordinator, D(2024, 1, 1), D(2025, 1, 1))
    report = outcomes(Scope.for_user(coordinator), quarter)
    assert by_label(report.table("follow-up")) == {
        "12 months after launch": [1, 0, 0, 0, 0, 0],
        "24 months after launch": [1, 0, 0, 0, 0, 0],
    }
    assert [row[1:] for row in report.table("follow-up-rates").rows] == [[None, 0]] * 6


def test_the_quarterly_return_suppresses_small_follow_up_counts(follow_up_world, manager):
    from reports.queries import financial_quarter

    # 2026 Q1 is April to June 2026: the same period. Every follow-up count is below 5
    # but the 12-month cohort (8 for the whole service); each rate rests on fewer than 5.
    tables = {
        t.slug: t for t in quarterly_return(Scope.for_user(manager), financial_quarter(2026, 1))
    }
    assert by_label(tables["follow-up"]) == {
        "12 months after launch": [8, *[SUPPRESSED] * 5],
        "24 months after launch": [SUPPRESSED] * 6,
    }
    assert all(
        cell == SUPPRESSED for row in tables["follow-up-reconvictions"].rows for cell in row[1:]
    )
    assert all(row[1:] == [TOO_FEW, SUPPRESSED] for row in tables["follow-up-rates"].rows)


def test_the_follow_up_counts_are_one_query_whatever_the_events(quarter, coordinator):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            outcomes(Scope.for_user(coordinator), quarter)
        return len(queries)

    circle = ended(coordinator, D(2024, 1, 1), D(2025, 1, 1))
    event(circle, RECALL, D(2024, 6, 1))
    small = measure()
    for day in range(2, 12):
        event(circle, RECALL, D(2024, 6, day))
        other = ended(coordinator, D(2024, 2, day), D(2025, 2, day))
        event(other, RECONVICTION, D(2025, 3, day), SEXUAL)
        check(other, 12)
        check(other, 24)
    assert measure() == small
