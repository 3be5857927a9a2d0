"""Every page `make bench` drives costs the same number of queries at two data sizes.

generate_scale makes a small and a four-times larger national picture (the coordinator
sees 18 and then 72 circles, the manager everything, the liaison four times the records);
the bench's own page picking chooses the users and objects; each page is opened twice
and the second request's queries are counted. The counts must be equal at both sizes,
and within the pins below.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from devtools import bench, scale

# The most queries each page may issue (measured on the generated data: these are the
# counts at both sizes). The floor is the framework's own cost: session, user (with the
# bell's count), device, and the request's transaction (SAVEPOINT and RELEASE here, as
# the test runs in a transaction). The session is written once a minute at most, so the
# counted (second) request does not write it.
PINNED = {
    "floor": 5,
    # Coordinator
    # + the circles it covers, read once (circles_fixed_for); + supervision overdue (one
    # windowed list) and the debriefs still to hold (a count), filled by volunteering's tag
    "coordinator_dashboard": 15,
    # + the caseload's circles, the count and the page of concerns to triage
    "coordinator_concerns": 8,
    "circles_list": 7,
    "circle_page": 15,  # + its documents (the documents section)
    "circle_meetings": 8,
    "circle_match": 15,  # + the volunteers his exclusion areas keep out
    "core_members_list": 7,
    # + his documents; his latest circle is read with him (one LEFT JOIN)
    "core_member_page": 15,
    # The Core Member, the access log's row and each app's kinds in one query (UNION
    # ALL): circles' (+ the meetings) and lone working's two (check-ins, their alerts).
    "coordinator_chronology": 15,
    "referral_list": 8,
    "referral_page": 9,
    # + action log, liaisons, stored contacts, on-call, action token; whether its
    # meeting has minutes is asked with the concern
    "concern_page": 13,
    "minutes_review": 12,
    "coordinator_records": 7,
    "volunteer_pool": 7,
    # + their documents and travel/conflict districts; the DBS checks read once, with
    # the decisions the documents section lists; hours and supervision one query each
    "volunteer_page": 15,
    "coordinator_notifications": 6,
    # + the Core Member with his grants, then one read per section of the report
    "mappa_report": 15,
    "expenses_queue": 6,  # + the count and the page of claims (the grants are a subquery)
    "cover_list": 6,
    "on_call_rota": 6,
    "coordinator_calendar": 7,
    # By token, yet the bench's client carries a session cookie: the floor's cost is in it.
    "calendar_feed": 9,
    # Volunteer
    "volunteer_start": 8,
    "volunteer_circle": 13,  # + the circle's documents
    "minutes_form": 13,
    "my_minutes": 11,
    "volunteer_profile": 12,  # + travel districts
    "volunteer_notifications": 6,
    "lone_working_check_in": 8,  # + the volunteer's open circles (the default and the choices)
    "volunteer_hours": 9,  # + totals by period (one aggregate), the form's circles, a page
    # Liaison
    "liaison_inbox": 8,  # 7 on SQLite, 8 on PostgreSQL at this size
    "liaison_record": 9,
    "liaison_core_member": 9,  # his latest circle read with him, as for the coordinator
    "liaison_chronology": 10,  # circles, meetings, records sent to them with their responses
    "liaison_my_core_members": 8,
    # Manager
    "manager_reports": 6,
    # + the concerns to triage and emergency requests (live), the service summary and
    # the busiest coordinators' names
    "manager_dashboard": 10,
    "manager_notifications": 6,
    "manager_mileage_rate": 7,  # + the rate in force today and the count (none generated)
    # + one query per kind of object read on the page; the values permission in one;
    # the page's count and the access log's detail read with its rows (reads alone are
    # one part, no union, so the count rides along as a subquery run once)
    "manager_audit_reads": 15,
    # Search (one query per kind of result, whatever matches)
    "coordinator_search": 10,  # + the caseload's circle ids, read once
    "manager_search": 9,
}


class _Rollback(Exception):
    pass


def _counts(client, factor):
    counts = {}
    try:
        with transaction.atomic():
            # Statistics for the fresh rows (PostgreSQL's ANALYZE counts this transaction's
            # own rows): without them the planner picks nested loops that run for minutes.
            scale.generate(factor, analyze=True)
            for page in bench.pick_pages():
                client.force_login(page.user)
                client.get(page.path)
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(page.path)
                assert response.status_code == 200, (page.name, response.status_code)
                counts[page.name] = len(captured.captured_queries)
            raise _Rollback
    except _Rollback:
        pass
    return counts


@pytest.mark.django_db
def test_benched_pages_cost_the_same_queries_at_two_sizes(client):
    small = _counts(client, 0.0005)
    large = _counts(client, 0.002)
    print(f"\nbenched pages' queries at two sizes: {small} / {large}")
    assert set(small) == set(PINNED)
    assert small == large
    over = {name: (n, PINNED[name]) for name, n in small.items() if n > PINNED[name]}
    assert not over, f"pages over their pinned query count (counted, pinned): {over}"
