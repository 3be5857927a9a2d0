"""The circle list and the circle page: who sees what, and query counts pinned."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.tests.factories import ConcernFactory, MeetingNoteFactory, launchable_circle
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

# Each page's own queries plus the per-request ones every page makes (session read and
# save with their savepoints, user, two-factor device, unread notifications).
DETAIL_QUERIES = 20
FORMING_DETAIL_QUERIES = 21
INDEX_QUERIES = 11


def _detail(circle):
    return reverse("circles:detail", args=[circle.pk])


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def _launched(coordinator, volunteers=3):
    circle = launchable_circle(coordinator=coordinator, volunteers=volunteers)
    return services.circle_launch(
        circle=circle,
        acting_user=coordinator,
        launched_on=timezone.localdate() - datetime.timedelta(days=120),
    )


def _add_history(circle, meetings):
    """Held meetings with minutes, and concerns: rows the page shows a slice of."""
    for days in range(meetings):
        note = MeetingNoteFactory(
            meeting__circle=circle,
            meeting__starts_at=timezone.now() - datetime.timedelta(days=7 * days + 1),
        )
        ConcernFactory(circle=circle, meeting=note.meeting)


@pytest.mark.parametrize("user_factory", [CoordinatorFactory, LiaisonFactory])
def test_outsiders_are_told_the_circle_does_not_exist(client, coordinator, user_factory):
    circle = _launched(coordinator)
    client.force_login(user_factory())
    assert client.get(_detail(circle)).status_code == 404


def test_a_volunteer_sees_the_briefing_but_no_vetting_facts(client, coordinator):
    circle = _launched(coordinator)
    member = circle.memberships.current().select_related("volunteer__user")[0].volunteer.user
    client.force_login(member)
    body = client.get(_detail(circle)).content.decode()
    assert circle.name in body
    assert "DBS" not in body
    assert circle.core_member.reference not in body
    assert "Concerns" not in body


def test_the_coordinator_sees_each_volunteers_readiness(client, coordinator):
    circle = launchable_circle(coordinator=coordinator, volunteers=3)
    unvetted = ActiveVolunteerFactory(initial_training=None)
    services.membership_add(circle=circle, volunteer=unvetted, acting_user=coordinator)
    client.force_login(coordinator)
    body = client.get(_detail(circle)).content.decode()
    assert body.count("DBS and training current") == 3
    assert body.count("DBS or training missing") == 1


def test_the_circle_page_query_count_does_not_grow_with_rows(client, coordinator):
    circle = _launched(coordinator, volunteers=3)
    _add_history(circle, 2)
    client.force_login(coordinator)
    small, _ = _count(client, _detail(circle))

    for _ in range(3):
        services.membership_add(
            circle=circle, volunteer=ActiveVolunteerFactory(), acting_user=coordinator
        )
    _add_history(circle, 12)
    services.meetings_generate(
        circle=circle, until=timezone.localdate() + datetime.timedelta(days=120)
    )
    large, response = _count(client, _detail(circle))

    assert len(response.context["memberships"]) == 6
    assert large == small
    assert large <= DETAIL_QUERIES


def test_a_forming_circle_page_query_count_is_pinned(client, coordinator):
    circle = launchable_circle(coordinator=coordinator, volunteers=2)
    client.force_login(coordinator)
    small, _ = _count(client, _detail(circle))
    for _ in range(4):
        services.membership_add(
            circle=circle, volunteer=ActiveVolunteerFactory(), acting_user=coordinator
        )
    large, response = _count(client, _detail(circle))
    assert "Every condition is met" in response.content.decode()
    assert large == small
    assert large <= FORMING_DETAIL_QUERIES


def test_the_circle_list_query_count_does_not_grow_with_circles(client, coordinator):
    _launched(coordinator)
    client.force_login(coordinator)
    small, _ = _count(client, reverse("circles:index"))
    for _ in range(4):
        _launched(coordinator)
    large, response = _count(client, reverse("circles:index"))
    assert len(response.context["page"]) == 5
    assert large == small
    assert large <= INDEX_QUERIES


def test_the_circle_list_filters_by_status_and_sorts(client, coordinator):
    forming = launchable_circle(coordinator=coordinator)
    active = _launched(coordinator)
    ended = _launched(coordinator)
    services.circle_end(circle=ended, reason="WITHDREW", acting_user=coordinator)
    for circle, name in ((forming, "Bravo"), (active, "Alpha"), (ended, "Charlie")):
        circle.name = name
        circle.save(update_fields=["name"])
    client.force_login(coordinator)

    def names(**params):
        response = client.get(reverse("circles:index"), params)
        assert response.status_code == 200
        return [circle.name for circle in response.context["page"]]

    assert names(status="FORMING") == ["Bravo"]
    assert names(status="open", sort="name") == ["Alpha", "Bravo"]
    assert names(sort="name") == ["Alpha", "Bravo", "Charlie"]
    assert names(q="Charl") == ["Charlie"]
    # A bad filter value is ignored rather than an error.
    assert sorted(names(status="LOST")) == ["Alpha", "Bravo", "Charlie"]


def test_another_coordinators_circles_are_not_listed(client, coordinator):
    _launched(CoordinatorFactory())
    client.force_login(coordinator)
    response = client.get(reverse("circles:index"), {"status": "ACTIVE"})
    assert list(response.context["page"]) == []


def test_the_csv_holds_the_filtered_list(client, coordinator):
    forming = launchable_circle(coordinator=coordinator)
    forming.name = "Bravo"
    forming.save(update_fields=["name"])
    _launched(coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("circles:index"), {"status": "FORMING", "page": "1"})
    assert 'export.csv?status=FORMING"' in page.content.decode()

    response = client.get(reverse("circles:export"), {"status": "FORMING"})

    rows = b"".join(response.streaming_content if response.streaming else [response.content])
    lines = rows.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith('"Bravo",')
