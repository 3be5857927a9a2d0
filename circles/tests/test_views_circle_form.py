"""Forming a circle for a Core Member from their accepted referral."""

import pytest
from django.urls import reverse

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory, VolunteerUserFactory
from circles.models import Circle
from circles.tests.factories import CircleFactory
from coreMembers import services as cm_services
from coreMembers.models import CoreMember, LiaisonAssignment, Referral
from coreMembers.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(coordinator):
    referral = ReferralFactory(
        status=Referral.Status.ACCEPTED,
        core_member__status=CoreMember.Status.ACCEPTED,
        coordinator=coordinator,
    )
    # The grant production makes when a coordinator is assigned.
    cm_services.core_member_assign_coordinator(
        core_member=referral.core_member, coordinator=coordinator
    )
    return referral


def _url(referral):
    return reverse("circles:create", args=[referral.core_member_id])


def _data(coordinator, **overrides):
    data = {
        "name": "Wednesday circle",
        "kind": Circle.Kind.THROUGH_THE_GATE,
        "coordinator": coordinator.pk,
        "weekday": 2,
        "meeting_time": "18:00",
        "venue": "Northshire Community Centre",
        "frequency": "WEEKLY",
        "duration_minutes": 90,
    }
    data.update(overrides)
    return data


# Who may form a circle ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_coordinator_is_told_the_core_member_does_not_exist(
    client, referral, coordinator, method
):
    client.force_login(CoordinatorFactory())
    response = getattr(client, method)(_url(referral), _data(coordinator))
    assert response.status_code == 404
    assert not Circle.objects.exists()


@pytest.mark.parametrize("user_factory", [VolunteerUserFactory, LiaisonFactory])
@pytest.mark.parametrize("method", ["get", "post"])
def test_volunteers_and_liaisons_are_refused(client, referral, coordinator, user_factory, method):
    # They do not see the Core Member, so the page does not exist for them (404).
    client.force_login(user_factory())
    response = getattr(client, method)(_url(referral), _data(coordinator))
    assert response.status_code == 404
    assert not Circle.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_assigned_liaison_sees_the_core_member_but_may_not_form_a_circle(
    client, referral, coordinator, liaison, method
):
    cm_services.liaison_assign(
        core_member=referral.core_member,
        liaison=liaison,
        role=LiaisonAssignment.Role.OFFENDER_MANAGER,
    )
    client.force_login(liaison)
    response = getattr(client, method)(_url(referral), _data(coordinator))
    assert response.status_code == 403
    assert not Circle.objects.exists()


# Forming ----------------------------------------------------------------------------------


def test_the_coordinator_forms_a_circle_from_the_accepted_referral(client, referral, coordinator):
    client.force_login(coordinator)
    page = client.get(_url(referral))
    assert page.status_code == 200
    assert "planned for 18 months" in page.content.decode()

    response = client.post(_url(referral), _data(coordinator))

    circle = Circle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:detail", args=[circle.pk])
    assert circle.status == Circle.Status.FORMING
    assert circle.referral == referral
    assert circle.core_member == referral.core_member
    assert circle.coordinator == coordinator
    assert circle.kind == Circle.Kind.THROUGH_THE_GATE
    assert circle.length_months == 18
    assert (circle.weekday, circle.meeting_time.hour, circle.venue) == (
        2,
        18,
        "Northshire Community Centre",
    )
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Wednesday circle formed." in detail.content.decode()


def test_a_manager_forms_a_circle_for_any_coordinator(client, referral, manager):
    other = CoordinatorFactory()
    client.force_login(manager)
    response = client.post(_url(referral), _data(other))
    assert response.status_code == 302
    circle = Circle.objects.get()
    assert circle.coordinator == other
    # The chosen coordinator now sees the circle.
    client.force_login(other)
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 200


def test_a_coordinator_cannot_form_a_circle_for_someone_else(client, referral, coordinator):
    client.force_login(coordinator)
    response = client.post(_url(referral), _data(CoordinatorFactory()))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Circle.objects.exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("venue", "  ", "Say where the circle meets."),
        ("name", "", "This field is required."),
        ("duration_minutes", "5", "Ensure this value is greater than or equal to 15."),
        ("weekday", "9", "Select a valid choice."),
        ("kind", "SUBMARINE", "Select a valid choice."),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(
    client, referral, coordinator, field, value, message
):
    client.force_login(coordinator)
    response = client.post(_url(referral), _data(coordinator, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Circle.objects.exists()


def test_without_an_accepted_referral_the_page_says_so(client, coordinator):
    referral = ReferralFactory(status=Referral.Status.ASSESSING, coordinator=coordinator)
    cm_services.core_member_assign_coordinator(
        core_member=referral.core_member, coordinator=coordinator
    )
    client.force_login(coordinator)

    page = client.get(_url(referral)).content.decode()
    response = client.post(_url(referral), _data(coordinator))

    assert "has none. Accept a referral first." in page
    assert response.status_code == 200
    assert not Circle.objects.exists()


def test_a_core_member_with_an_open_circle_gets_no_second(client, referral, coordinator):
    existing = CircleFactory(core_member=referral.core_member, coordinator=coordinator)
    client.force_login(coordinator)

    response = client.post(_url(referral), _data(coordinator))

    assert response.status_code == 200
    assert "already has an open circle" in response.content.decode()
    assert list(Circle.objects.all()) == [existing]
