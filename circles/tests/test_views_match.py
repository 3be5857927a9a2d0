"""Matching volunteers from the pool into a circle, and ending a membership."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.models import CircleMembership
from circles.tests.factories import CircleMembershipFactory, launchable_circle
from volunteers.models import Volunteer, VolunteerDistrict
from volunteers.tests.factories import (
    ActiveVolunteerFactory,
    DBSCheckFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(coordinator):
    return launchable_circle(coordinator=coordinator, volunteers=1)


@pytest.fixture
def pool():
    """One volunteer of each kind the filters tell apart."""
    lapsed = VolunteerFactory(status=Volunteer.Status.ACTIVE, user__last_name="Lapsedson")
    TrainingRecordFactory(volunteer=lapsed)
    DBSCheckFactory(
        volunteer=lapsed,
        issued_on=timezone.localdate() - relativedelta(years=3) - datetime.timedelta(days=1),
    )
    untrained = VolunteerFactory(status=Volunteer.Status.ACTIVE, user__last_name="Untrainedley")
    DBSCheckFactory(volunteer=untrained)
    busy = ActiveVolunteerFactory(user__last_name="Busybody")
    CircleMembershipFactory(volunteer=busy)
    CircleMembershipFactory(volunteer=busy)
    return {
        "ready": ActiveVolunteerFactory(user__last_name="Readyman", postcode_area="NS9"),
        "lapsed": lapsed,
        "untrained": untrained,
        "paused": ActiveVolunteerFactory(
            user__last_name="Pausington", status=Volunteer.Status.PAUSED
        ),
        "busy": busy,
    }


def _url(circle):
    return reverse("circles:match", args=[circle.pk])


def _listed(response):
    return {volunteer.user.last_name for volunteer in response.context["page"]}


def _member_user(circle):
    return circle.memberships.current().select_related("volunteer__user")[0].volunteer.user


# Who may match ------------------------------------------------------------------------------


@pytest.mark.parametrize("user_factory", [CoordinatorFactory, LiaisonFactory])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_are_told_the_circle_does_not_exist(client, circle, pool, user_factory, method):
    client.force_login(user_factory())
    data = {"volunteer": pool["ready"].pk, "role": "VOLUNTEER"}
    response = getattr(client, method)(_url(circle), data)
    assert response.status_code == 404
    assert circle.memberships.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_circles_volunteer_may_not_match(client, circle, pool, method):
    client.force_login(_member_user(circle))
    data = {"volunteer": pool["ready"].pk, "role": "VOLUNTEER"}
    response = getattr(client, method)(_url(circle), data)
    assert response.status_code == 403
    assert circle.memberships.count() == 1


# The pool and its filters -------------------------------------------------------------------


def test_the_first_visit_shows_who_could_join_today(client, circle, pool, coordinator):
    client.force_login(coordinator)
    response = client.get(_url(circle))
    assert response.status_code == 200
    assert _listed(response) == {"Readyman", "Busybody"}
    body = response.content.decode()
    assert "1 of at most 6 volunteers matched" in body


def test_unticking_the_filters_shows_the_whole_pool_but_not_current_members(
    client, circle, pool, coordinator
):
    client.force_login(coordinator)
    response = client.get(_url(circle), {"q": "", "sort": "name"})
    member = _member_user(circle).last_name
    listed = _listed(response)
    assert {"Readyman", "Busybody", "Lapsedson", "Untrainedley", "Pausington"} <= listed
    assert member not in listed
    # Only an active volunteer gets an add button.
    body = response.content.decode()
    assert f'name="volunteer" value="{pool["paused"].pk}"' not in body
    assert f'name="volunteer" value="{pool["ready"].pk}"' in body


def test_the_first_visit_keeps_to_volunteers_who_can_get_to_the_core_member(
    client, circle, pool, coordinator
):
    circle.core_member.home_district = "NS9"
    circle.core_member.save(update_fields=["home_district"])
    traveller = ActiveVolunteerFactory(user__last_name="Travelwell", postcode_area="ZZ1")
    VolunteerDistrict.objects.create(
        volunteer=traveller, kind=VolunteerDistrict.Kind.TRAVEL, district="NS9"
    )
    client.force_login(coordinator)
    first = client.get(_url(circle))
    assert _listed(first) == {"Readyman", "Travelwell"}
    assert "Lives in or travels to NS9" in first.content.decode()
    # Unticking "near" widens the pool to every area.
    everywhere = client.get(
        _url(circle), {"active": "on", "dbs_current": "on", "trained": "on", "sort": "match"}
    )
    assert _listed(everywhere) == {"Readyman", "Travelwell", "Busybody"}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"active": "on", "dbs_current": "on"}, {"Readyman", "Busybody", "Untrainedley"}),
        ({"active": "on", "trained": "on"}, {"Readyman", "Busybody", "Lapsedson"}),
        ({"active": "on", "dbs_current": "on", "trained": "on", "max_circles": "1"}, {"Readyman"}),
        ({"q": "readyman"}, {"Readyman"}),
        ({"q": "NS9"}, {"Readyman"}),
    ],
)
def test_filters_narrow_the_pool(client, circle, pool, coordinator, params, expected):
    client.force_login(coordinator)
    response = client.get(_url(circle), params)
    assert _listed(response) & set(pool_names(pool)) == expected


def pool_names(pool):
    return [volunteer.user.last_name for volunteer in pool.values()]


def test_it_sorts_by_circles_held(client, circle, pool, coordinator):
    client.force_login(coordinator)
    response = client.get(_url(circle), {"active": "on", "sort": "circles"})
    names = [
        v.user.last_name for v in response.context["page"] if v.user.last_name in pool_names(pool)
    ]
    assert names[-1] == "Busybody"
    assert [v.circle_count for v in response.context["page"]] == sorted(
        v.circle_count for v in response.context["page"]
    )


def test_the_pool_page_query_count_does_not_grow_with_volunteers(client, circle, coordinator):
    client.force_login(coordinator)
    params = {"q": "", "sort": "name"}
    ActiveVolunteerFactory.create_batch(3)
    with CaptureQueriesContext(connection) as small_queries:
        small = client.get(_url(circle), params)
    ActiveVolunteerFactory.create_batch(15)
    with CaptureQueriesContext(connection) as large_queries:
        large = client.get(_url(circle), params)
        for volunteer in large.context["page"]:
            assert volunteer.user.last_name
    assert len(large.context["page"]) > len(small.context["page"])
    assert len(large_queries) == len(small_queries)
    assert len(large_queries) <= MATCH_QUERIES


# Session read and save (with their savepoints), user, two-factor device, unread
# notifications, circle, permission check, pool count, pool page, current members.
MATCH_QUERIES = 14


# Adding -------------------------------------------------------------------------------------


def test_each_volunteers_circle_count_follows_the_membership_services(circle, coordinator):
    volunteer = ActiveVolunteerFactory()
    other = launchable_circle(coordinator=coordinator, volunteers=0)
    assert volunteer.circle_count == 0
    services.membership_add(circle=circle, volunteer=volunteer, acting_user=coordinator)
    services.membership_add(circle=other, volunteer=volunteer, acting_user=coordinator)
    volunteer.refresh_from_db()
    assert volunteer.circle_count == 2
    membership = CircleMembership.objects.get(circle=other, volunteer=volunteer)
    services.membership_end(membership=membership, acting_user=coordinator)
    volunteer.refresh_from_db()
    assert volunteer.circle_count == 1
    # A recount of everyone agrees with the services, however often it runs.
    Volunteer.objects.filter(pk=volunteer.pk).update(circle_count=5)
    services.recount_circles()
    services.recount_circles()
    volunteer.refresh_from_db()
    assert volunteer.circle_count == 1


def test_the_coordinator_adds_a_primary_volunteer(client, circle, pool, coordinator):
    client.force_login(coordinator)
    ready = pool["ready"]
    response = client.post(
        _url(circle) + "?q=&sort=name", {"volunteer": ready.pk, "role": "PRIMARY"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url(circle) + "?q=&sort=name"
    membership = circle.memberships.current().get(volunteer=ready)
    assert membership.role == CircleMembership.Role.PRIMARY
    assert membership.joined_on == timezone.localdate()
    page = client.get(response["Location"]).content.decode()
    assert f"{ready} joined {circle.name} as primary volunteer." in page
    # The volunteer now sees the circle.
    client.force_login(ready.user)
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 200


@pytest.mark.parametrize(
    "key, data, message",
    [
        ("paused", {"role": "VOLUNTEER"}, "Only an active volunteer can join a circle."),
        ("ready", {"role": "CAPTAIN"}, "Select a valid choice."),
        (None, {"volunteer": "999999", "role": "VOLUNTEER"}, "No such volunteer."),
        (None, {"volunteer": "x", "role": "VOLUNTEER"}, "Enter a whole number."),
        (None, {"volunteer": str(10**30), "role": "VOLUNTEER"}, "less than or equal to"),
        (None, {"volunteer": "-4", "role": "VOLUNTEER"}, "greater than or equal to 1"),
    ],
)
def test_bad_input_is_shown_and_nothing_is_written(
    client, circle, pool, coordinator, key, data, message
):
    client.force_login(coordinator)
    if key:
        data = {"volunteer": pool[key].pk, **data}
    response = client.post(_url(circle), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert circle.memberships.count() == 1


def test_a_second_primary_volunteer_is_refused(client, circle, pool, coordinator):
    client.force_login(coordinator)
    client.post(_url(circle), {"volunteer": pool["ready"].pk, "role": "PRIMARY"})
    response = client.post(_url(circle), {"volunteer": pool["busy"].pk, "role": "PRIMARY"})
    assert response.status_code == 200
    assert "This circle already has a primary volunteer." in response.content.decode()
    assert not circle.memberships.filter(volunteer=pool["busy"]).exists()


def test_a_full_circle_takes_no_more(client, circle, coordinator):
    for _ in range(services.MAX_VOLUNTEERS - 1):
        services.membership_add(
            circle=circle, volunteer=ActiveVolunteerFactory(), acting_user=coordinator
        )
    extra = ActiveVolunteerFactory()
    client.force_login(coordinator)
    response = client.post(_url(circle), {"volunteer": extra.pk, "role": "VOLUNTEER"})
    assert "A circle has at most 6 volunteers." in response.content.decode()
    assert circle.memberships.current().count() == services.MAX_VOLUNTEERS


# Ending a membership ------------------------------------------------------------------------


def _end_url(membership):
    return reverse("circles:membership_end", args=[membership.circle_id, membership.pk])


def test_ending_a_membership_asks_first_then_removes_access(client, circle, coordinator):
    membership = circle.memberships.current().select_related("volunteer__user").get()
    client.force_login(coordinator)
    page = client.get(_end_url(membership))
    assert page.status_code == 200
    assert "lose access" in page.content.decode()
    membership.refresh_from_db()
    assert membership.left_on is None

    response = client.post(_end_url(membership), {"reason": "Moving away"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == timezone.localdate()
    assert membership.leaving_reason == "Moving away"
    client.force_login(membership.volunteer.user)
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 404


def test_the_volunteer_cannot_end_a_membership(client, circle):
    membership = circle.memberships.current().select_related("volunteer__user").get()
    client.force_login(membership.volunteer.user)
    assert client.post(_end_url(membership), {"reason": "x"}).status_code == 403
    membership.refresh_from_db()
    assert membership.left_on is None


def test_ending_twice_is_shown_on_the_page(client, circle, coordinator):
    membership = circle.memberships.current().get()
    client.force_login(coordinator)
    client.post(_end_url(membership), {"reason": "Moving away"})
    response = client.post(_end_url(membership), {"reason": "Again"})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.leaving_reason == "Moving away"
