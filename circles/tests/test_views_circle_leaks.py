"""The coordinator's circle pages carry nothing of another coordinator's circle."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.tests.factories import CoordinatorFactory
from cosa.tests.world import LEAK_MARKERS

pytestmark = pytest.mark.django_db


def _pages(w):
    circle = w.objects["circle"]
    pk = circle.pk
    return [
        reverse("circles:detail", args=[pk]),
        reverse("circles:match", args=[pk]) + "?q=&sort=name",
        reverse("circles:covenant", args=[pk]),
        reverse("circles:pattern", args=[pk]),
        reverse("circles:launch", args=[pk]),
        reverse("circles:step_down", args=[pk]),
        reverse("circles:end", args=[pk]),
        reverse("circles:review", args=[pk, circle.milestones.first().pk]),
        reverse("circles:meeting_cancel", args=[pk, circle.meetings.upcoming().first().pk]),
        reverse("circles:membership_end", args=[pk, w.objects["membership"].pk]),
        reverse("circles:create", args=[w.objects["core_member"].pk]),
        reverse("circles:index") + "?status=ACTIVE&sort=name",
    ]


def test_the_owner_sees_nothing_of_the_other_circle(client, world):
    client.force_login(world.users["owner"])
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for marker in LEAK_MARKERS:
            assert marker not in body, (url, marker)


def test_the_pool_shows_other_circles_volunteers_only_as_a_count(client, world):
    """Coordinators match from the whole pool (DESIGN §4); which circle a volunteer is in
    stays with that circle's coordinator."""
    client.force_login(world.users["owner"])
    response = client.get(
        reverse("circles:match", args=[world.objects["circle"].pk]), {"q": "Outsider"}
    )
    [listed] = response.context["page"]
    assert listed == world.objects["other_volunteer"]
    assert listed.circle_count == 1
    assert "Marmalade" not in response.content.decode()


@pytest.mark.django_db
def test_whether_a_coordinator_may_change_a_circle_comes_with_it_and_only_for_them(
    django_assert_num_queries,
):
    from accounts.grants import grant
    from circles.access import can_change_circle, circle_for_user
    from circles.services import COORDINATOR_CIRCLE_PERMS
    from circles.tests.factories import ActiveCircleFactory

    circle = ActiveCircleFactory()
    owner = circle.coordinator
    grant(owner, circle, *COORDINATOR_CIRCLE_PERMS)
    viewer = CoordinatorFactory()
    assign_perm("circles.view_circle", viewer, circle)
    for user, may in ((owner, True), (viewer, False)):
        fetched = circle_for_user(user, circle.pk)
        with django_assert_num_queries(0):
            assert can_change_circle(user, fetched) is may
    # Looked up for the owner, asked about someone else: asked afresh, and answered for them.
    fetched = circle_for_user(owner, circle.pk)
    with django_assert_num_queries(1):
        assert can_change_circle(viewer, fetched) is False


@pytest.mark.django_db
def test_the_dashboards_fixed_circles_are_exactly_the_circles_the_user_may_change():
    from accounts.grants import grant
    from accounts.tests.factories import ManagerFactory
    from circles.access import CHANGE, circles_fixed_for, circles_visible_to
    from circles.services import COORDINATOR_CIRCLE_PERMS
    from circles.tests.factories import ActiveCircleFactory

    mine, seen_only, other = ActiveCircleFactory(), ActiveCircleFactory(), ActiveCircleFactory()
    coordinator = mine.coordinator
    grant(coordinator, mine, *COORDINATOR_CIRCLE_PERMS)
    assign_perm("circles.view_circle", coordinator, seen_only)
    fixed = circles_fixed_for(coordinator, CHANGE)
    assert set(fixed) == set(circles_visible_to(coordinator, CHANGE)) == {mine}
    assert other not in fixed and seen_only not in fixed
    assert set(circles_fixed_for(ManagerFactory(), CHANGE)) == {mine, seen_only, other}
    assert list(circles_fixed_for(CoordinatorFactory(), CHANGE)) == []
