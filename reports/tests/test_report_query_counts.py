"""Every report's query count is the same at two data sizes, and pinned.

Figures are aggregated in the database, so adding circles, meetings, minutes,
concerns, records, volunteers and hours adds no query.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles.models import Concern, Meeting, MeetingNote
from circles.tests.factories import CircleMembershipFactory, MeetingFactory, MeetingNoteFactory
from reports.tests.helpers import D, at, concern, owned_circle, recipient, shared
from sharing.models import InformationSharingRecord
from volunteers.models import Volunteer
from volunteers.tests.factories import DBSCheckFactory, VolunteerFactory, VolunteerHoursFactory

PERIOD = {"date_from": "2026-04-01", "date_to": "2026-06-30"}
# Measured on SQLite for a manager (a coordinator's pages run one query fewer: no list of
# coordinators to filter by), with the session, user, 2FA and notification queries of
# every page included.
PINNED = {
    "reports:caseload": 15,
    "reports:activity": 15,
    "reports:safety": 16,
    "reports:volunteers": 15,  # + hours by kind, expense claims by state
    "reports:outcomes": 13,
    "reports:quarterly": 29,
    "reports:quarterly_csv": 27,
    "reports:table_csv": 14,
    "reports:circle_end": 26,
}


def grow(coordinator, n, offset):
    """``n`` circles, each with meetings, minutes, a concern, a shared record, volunteers, hours."""
    for i in range(offset, offset + n):
        circle = owned_circle(
            coordinator,
            launched_on=D(2026, 4, 1 + i % 28),
            referral_on=D(2026, 3, 1),
            mappa=(1, 1 + i % 3),
        )
        for week in range(2):
            meeting = MeetingFactory(
                circle=circle,
                starts_at=at(2026, 5, 1 + week * 7 + i % 5, 18, 30),
                status=Meeting.Status.HELD,
            )
            MeetingNoteFactory(
                meeting=meeting,
                status=MeetingNote.Status.SUBMITTED,
                submitted_at=at(2026, 5, 2 + week * 7 + i % 5),
            )
        raised = concern(circle, at(2026, 5, 3), Concern.Severity.RED, Concern.Status.TRIAGED)
        record = shared(
            circle, at(2026, 5, 4), InformationSharingRecord.Urgency.URGENT, source_concern=raised
        )
        recipient(record, at(2026, 5, 5))
        for _ in range(3):
            volunteer = VolunteerFactory(status=Volunteer.Status.ACTIVE, started_on=D(2025, 1, 1))
            DBSCheckFactory(volunteer=volunteer, issued_on=D(2023, 7, 1 + i % 28))
            CircleMembershipFactory(circle=circle, volunteer=volunteer, joined_on=D(2026, 4, 1))
            VolunteerHoursFactory(volunteer=volunteer, circle=circle, worked_on=D(2026, 5, 1))
        ended = owned_circle(
            coordinator,
            status="ENDED",
            launched_on=D(2024, 1, 1),
            ended_on=D(2026, 5, 1),
            end_reason="RECALLED",
        )
        assert ended.pk
    return circle


def _count(client, user, name, kwargs=None, data=None):
    client.force_login(user)
    url = reverse(name, kwargs=kwargs)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data if data is not None else PERIOD)
    assert response.status_code == 200, name
    return len(queries)


CASES = [
    ("reports:caseload", None, None),
    ("reports:activity", None, None),
    ("reports:safety", None, None),
    ("reports:volunteers", None, None),
    ("reports:outcomes", None, None),
    ("reports:quarterly", None, {"quarter": "2025-Q4"}),
    ("reports:quarterly_csv", None, {"quarter": "2025-Q4"}),
    ("reports:table_csv", {"report": "activity", "table": "activity-figures"}, None),
]


@pytest.mark.parametrize("role", ["manager", "coordinator"])
def test_report_queries_do_not_grow_with_rows(
    client, quarter, coordinator, other_coordinator, manager, role, django_assert_max_num_queries
):
    user = manager if role == "manager" else coordinator
    grow(coordinator, 1, 0)
    grow(other_coordinator, 1, 1)
    small = {name: _count(client, user, name, kwargs, data) for name, kwargs, data in CASES}
    grow(coordinator, 4, 2)
    grow(other_coordinator, 3, 6)
    large = {name: _count(client, user, name, kwargs, data) for name, kwargs, data in CASES}
    assert large == small
    for name, kwargs, data in CASES:
        with django_assert_max_num_queries(PINNED[name]):
            client.get(reverse(name, kwargs=kwargs), data if data is not None else PERIOD)
    print(role, small)


def test_end_of_circle_report_queries_do_not_grow_with_rows(
    client, quarter, coordinator, django_assert_max_num_queries
):
    small_circle = grow(coordinator, 1, 0)
    large_circle = grow(coordinator, 1, 1)
    for _ in range(2):  # three more volunteers and more meetings on the large circle
        volunteer = VolunteerFactory(status=Volunteer.Status.ACTIVE, started_on=D(2025, 1, 1))
        CircleMembershipFactory(circle=large_circle, volunteer=volunteer, joined_on=D(2026, 4, 1))
        MeetingFactory(circle=large_circle, status=Meeting.Status.MISSED)
    small = _count(client, coordinator, "reports:circle_end", {"pk": small_circle.pk}, {})
    large = _count(client, coordinator, "reports:circle_end", {"pk": large_circle.pk}, {})
    assert small == large
    with django_assert_max_num_queries(PINNED["reports:circle_end"]):
        client.get(reverse("reports:circle_end", kwargs={"pk": large_circle.pk}))
    print("circle_end", small)
