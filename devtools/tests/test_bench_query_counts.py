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
# counts at both sizes). The floor is the framework's own cost: session, user, device,
# session save.
PINNED = {
    "floor": 8,
    # Coordinator
    "coordinator_dashboard": 16,
    "circles_list": 11,
    "circle_page": 20,
    "circle_meetings": 15,
    "core_members_list": 11,
    "core_member_page": 21,
    "referral_list": 12,
    "referral_page": 13,
    "concern_page": 21,  # + action log, liaisons, stored contacts, on-call, action token
    "minutes_review": 17,
    "coordinator_records": 11,
    "volunteer_pool": 11,
    "volunteer_page": 19,
    "coordinator_notifications": 10,
    "cover_list": 12,
    "on_call_rota": 12,
    "coordinator_calendar": 11,
    # By token, yet the bench's client carries a session cookie: the floor's cost is in it.
    "calendar_feed": 12,
    # Volunteer
    "volunteer_start": 12,
    "volunteer_circle": 16,
    "minutes_form": 17,
    "my_minutes": 15,
    "volunteer_profile": 15,
    "volunteer_notifications": 10,
    # Liaison
    "liaison_inbox": 12,  # 11 on SQLite, 12 on PostgreSQL at this size
    "liaison_record": 13,
    "liaison_core_member": 14,
    # Manager
    "manager_reports": 10,
    "manager_notifications": 10,
    # Search (one query per kind of result, whatever matches)
    "coordinator_search": 13,
    "manager_search": 13,
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
