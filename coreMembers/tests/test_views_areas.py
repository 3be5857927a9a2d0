"""A Core Member's home and exclusion districts: staff who hold his record edit them."""

import pytest
from django.urls import reverse

from coreMembers.tests.factories import CoreMemberFactory
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def core_member(coordinator):
    from coreMembers.services import core_member_assign_coordinator

    core_member = CoreMemberFactory(exclusion_districts=["BD1"])
    core_member_assign_coordinator(
        core_member=core_member, coordinator=coordinator, acting_user=coordinator
    )
    return core_member


def _url(core_member):
    return reverse("core_members:areas_edit", args=[core_member.pk])


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_coordinator_gets_404(client, other_coordinator, core_member, method):
    client.force_login(other_coordinator)
    response = getattr(client, method)(_url(core_member), {"exclusion_districts": "LS1"})
    assert response.status_code == 404
    core_member.refresh_from_db()
    assert core_member.exclusion_districts == ["BD1"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_liaison_and_a_volunteer_get_404(client, liaison, core_member, method):
    for user in (liaison, ActiveVolunteerFactory().user):
        client.force_login(user)
        response = getattr(client, method)(_url(core_member), {"exclusion_districts": "LS1"})
        assert response.status_code == 404
    core_member.refresh_from_db()
    assert core_member.exclusion_districts == ["BD1"]


def test_the_coordinator_records_areas(client, coordinator, core_member):
    client.force_login(coordinator)
    page = client.get(_url(core_member))
    assert page.status_code == 200
    assert "BD1" in page.content.decode()
    response = client.post(
        _url(core_member),
        {
            "home_district": "ls6",
            "exclusion_districts": "bd1, HX7 hx7",
            "version": core_member.version,
        },
    )
    assert response.status_code == 302
    core_member.refresh_from_db()
    assert core_member.home_district == "LS6"
    assert core_member.exclusion_districts == ["BD1", "HX7"]
    detail = client.get(reverse("core_members:detail", args=[core_member.pk])).content.decode()
    assert "BD1, HX7" in detail


def test_bad_districts_are_named_and_nothing_is_saved(client, coordinator, core_member):
    client.force_login(coordinator)
    response = client.post(
        _url(core_member),
        {"home_district": "LS6 LS7", "exclusion_districts": "BD1, Leeds", "version": 1},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Give the one district he lives in." in body
    assert "&quot;Leeds&quot; is not a postcode district" in body
    core_member.refresh_from_db()
    assert core_member.exclusion_districts == ["BD1"]
    assert core_member.home_district == ""
