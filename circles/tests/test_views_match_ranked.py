"""The pool ranks on availability and area, keeps out excluded volunteers, adds several."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.models import CircleMembership
from circles.tests.factories import launchable_circle
from volunteers.models import VolunteerDistrict, availability_bit
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

THURSDAY_EVENING = availability_bit(3, 2)
EXCLUDED = "excluded: lives in or declared a conflict with an exclusion area"


@pytest.fixture
def circle(coordinator):
    # Thursdays at 18:30 (the factory's pattern); he lives in LS6, must not go near BD1.
    circle = launchable_circle(
        coordinator=coordinator, volunteers=1, weekday=3, meeting_time=datetime.time(18, 30)
    )
    core_member = circle.core_member
    core_member.home_district = "LS6"
    core_member.exclusion_districts = ["BD1", "BD2"]
    core_member.save()
    return circle


@pytest.fixture
def pool():
    free_near = ActiveVolunteerFactory(
        user__last_name="Freenear", availability=THURSDAY_EVENING, postcode_area="LS6"
    )
    free_far = ActiveVolunteerFactory(
        user__last_name="Freefar", availability=THURSDAY_EVENING, postcode_area="YO1"
    )
    busy_near = ActiveVolunteerFactory(
        user__last_name="Busynear", availability=availability_bit(3, 0), postcode_area="LS16"
    )
    VolunteerDistrict.objects.create(volunteer=busy_near, kind="TRAVEL", district="LS6")
    lives_in_zone = ActiveVolunteerFactory(
        user__last_name="Zonehome", availability=THURSDAY_EVENING, postcode_area="BD1"
    )
    conflicted = ActiveVolunteerFactory(
        user__last_name="Conflicted", availability=THURSDAY_EVENING, postcode_area="LS6"
    )
    VolunteerDistrict.objects.create(volunteer=conflicted, kind="CONFLICT", district="BD2")
    return {
        "free_near": free_near,
        "free_far": free_far,
        "busy_near": busy_near,
        "lives_in_zone": lives_in_zone,
        "conflicted": conflicted,
    }


def _url(circle):
    return reverse("circles:match", args=[circle.pk])


def _listed(response):
    return [v.user.last_name for v in response.context["page"]]


def _member_user(circle):
    return circle.memberships.current().select_related("volunteer__user")[0].volunteer.user


@pytest.mark.parametrize("user_factory", [CoordinatorFactory, LiaisonFactory])
def test_outsiders_cannot_add_several(client, circle, pool, user_factory):
    client.force_login(user_factory())
    response = client.post(_url(circle), {"volunteers": [pool["free_near"].pk]})
    assert response.status_code == 404
    assert circle.memberships.count() == 1


def test_the_circles_volunteer_cannot_add_several(client, circle, pool):
    client.force_login(_member_user(circle))
    response = client.post(_url(circle), {"volunteers": [pool["free_near"].pk]})
    assert response.status_code == 403
    assert circle.memberships.count() == 1


def test_excluded_volunteers_are_not_in_the_pool_and_the_coordinator_sees_why(
    client, circle, pool, coordinator
):
    client.force_login(coordinator)
    response = client.get(_url(circle), {"sort": "name"})
    listed = _listed(response)
    assert "Zonehome" not in listed
    assert "Conflicted" not in listed
    body = response.content.decode()
    assert EXCLUDED in body
    assert "Zonehome" in body and "lives in BD1" in body
    assert "declared a conflict with BD2" in body


def test_it_ranks_the_free_and_near_first(client, circle, pool, coordinator):
    client.force_login(coordinator)
    response = client.get(_url(circle), {"active": "on", "sort": "match"})
    listed = [name for name in _listed(response) if name in {"Freenear", "Freefar", "Busynear"}]
    assert listed == ["Freenear", "Freefar", "Busynear"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"free": "on"}, {"Freenear", "Freefar"}),
        ({"near": "on"}, {"Freenear", "Busynear"}),
        ({"free": "on", "near": "on"}, {"Freenear"}),
    ],
)
def test_free_and_near_filter_the_pool(client, circle, pool, coordinator, params, expected):
    client.force_login(coordinator)
    response = client.get(_url(circle), {"active": "on", **params})
    names = {"Freenear", "Freefar", "Busynear", "Zonehome", "Conflicted"}
    assert set(_listed(response)) & names == expected


def test_an_excluded_volunteer_cannot_be_added_and_the_area_is_not_named(circle, pool, coordinator):
    with pytest.raises(ValidationError) as error:
        services.membership_add(
            circle=circle, volunteer=pool["conflicted"], acting_user=coordinator
        )
    assert EXCLUDED in str(error.value)
    assert "BD2" not in str(error.value)
    assert not circle.memberships.filter(volunteer=pool["conflicted"]).exists()


def test_the_coordinator_adds_several_in_one_step_with_a_primary(client, circle, pool, coordinator):
    client.force_login(coordinator)
    chosen = [pool["free_near"].pk, pool["free_far"].pk, pool["busy_near"].pk]
    response = client.post(_url(circle), {"volunteers": chosen, "primary": pool["free_far"].pk})
    assert response.status_code == 302
    current = circle.memberships.current()
    assert current.count() == 4
    assert current.get(role=CircleMembership.Role.PRIMARY).volunteer == pool["free_far"]
    page = client.get(response["Location"]).content.decode()
    assert f"3 volunteers joined {circle.name}" in page
    assert "Primary volunteer: " in page


def test_the_same_post_twice_adds_once(client, circle, pool, coordinator):
    client.force_login(coordinator)
    page = client.get(_url(circle))
    token = page.context["add_form"].once_token
    data = {"volunteers": [pool["free_near"].pk, pool["free_far"].pk], "_once": token}
    assert client.post(_url(circle), data).status_code == 302
    again = client.post(_url(circle), data, follow=True)
    assert "already sent" in again.content.decode()
    assert circle.memberships.current().count() == 3


@pytest.mark.parametrize(
    "make_data, message",
    [
        (lambda pool, circle: {"volunteers": []}, "Tick at least one volunteer to add."),
        (
            lambda pool, circle: {"volunteers": [pool["free_near"].pk, pool["free_near"].pk]},
            "Each volunteer can be ticked once.",
        ),
        (
            lambda pool, circle: {"volunteers": [pool["free_near"].pk, pool["lives_in_zone"].pk]},
            EXCLUDED,
        ),
        (
            lambda pool, circle: {
                "volunteers": [circle.memberships.get().volunteer_id, pool["free_near"].pk]
            },
            "is already in this circle.",
        ),
        (
            lambda pool, circle: {"volunteers": [pool["free_near"].pk], "primary": "77"},
            "Tick the primary volunteer too.",
        ),
        (lambda pool, circle: {"volunteers": ["abc"]}, "No such volunteer: abc."),
        (lambda pool, circle: {"volunteers": ["99999999"]}, "No such volunteer."),
    ],
)
def test_bad_ticks_are_refused_and_nobody_is_added(
    client, circle, pool, coordinator, make_data, message
):
    client.force_login(coordinator)
    response = client.post(_url(circle), make_data(pool, circle))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert circle.memberships.count() == 1


def test_more_than_the_circle_holds_is_refused_whole(client, circle, coordinator):
    extra = [ActiveVolunteerFactory().pk for _ in range(services.MAX_VOLUNTEERS)]
    client.force_login(coordinator)
    response = client.post(_url(circle), {"volunteers": extra})
    assert "A circle has at most 6 volunteers" in response.content.decode()
    assert circle.memberships.count() == 1


def test_the_ranked_pool_query_count_does_not_grow(client, circle, pool, coordinator):
    client.force_login(coordinator)
    params = {"q": "", "sort": "match", "free": "", "near": ""}
    with CaptureQueriesContext(connection) as small_queries:
        small = client.get(_url(circle), params)
    for index in range(12):
        volunteer = ActiveVolunteerFactory(availability=THURSDAY_EVENING)
        VolunteerDistrict.objects.create(volunteer=volunteer, kind="TRAVEL", district="LS6")
        if index % 3 == 0:
            VolunteerDistrict.objects.create(volunteer=volunteer, kind="CONFLICT", district="BD1")
    with CaptureQueriesContext(connection) as large_queries:
        large = client.get(_url(circle), params)
        for volunteer in large.context["page"]:
            assert volunteer.user.last_name
    assert len(large.context["page"]) > len(small.context["page"])
    assert len(large_queries) == len(small_queries)
