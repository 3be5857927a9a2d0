"""One coordinator's open circles have names that tell them apart.

Two open "Wednesday circle"s on one list are mixed up (minutes, concerns and shares
filed against the wrong Core Member), so a second one is refused, whatever its case or
spacing; an ended circle's name is free again, and another coordinator may use it.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import CoordinatorFactory
from circles import services
from circles.models import Circle
from circles.tests.factories import CircleFactory
from coreMembers import services as cm_services
from coreMembers.models import CoreMember, Referral
from coreMembers.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

PATTERN = {
    "weekday": 2,
    "meeting_time": datetime.time(18, 0),
    "venue": "Northshire Community Centre",
    "frequency": "WEEKLY",
    "duration_minutes": 90,
}


@pytest.fixture
def referral(coordinator):
    referral = ReferralFactory(
        status=Referral.Status.ACCEPTED,
        core_member__status=CoreMember.Status.ACCEPTED,
        coordinator=coordinator,
    )
    cm_services.core_member_assign_coordinator(
        core_member=referral.core_member, coordinator=coordinator
    )
    return referral


@pytest.fixture
def existing(coordinator):
    return CircleFactory(coordinator=coordinator, name="Wednesday circle")


def _form(referral, coordinator, name):
    return services.circle_form(
        referral=referral, coordinator=coordinator, name=name, acting_user=coordinator, **PATTERN
    )


# Refused first ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Wednesday circle", "wednesday CIRCLE", "  Wednesday   circle "])
def test_the_service_refuses_a_second_open_circle_of_the_same_name(
    referral, coordinator, existing, name
):
    with pytest.raises(ValidationError) as refused:
        _form(referral, coordinator, name)
    tidy = " ".join(name.split())
    assert refused.value.message_dict["name"] == [
        f'{coordinator.get_full_name()} already has an open circle called "{tidy}". '
        "Choose a name that tells them apart."
    ]
    assert list(Circle.objects.all()) == [existing]


@pytest.mark.parametrize("status", [Circle.Status.ACTIVE, Circle.Status.STEP_DOWN])
def test_a_running_circle_counts_too(referral, coordinator, existing, status):
    Circle.objects.filter(pk=existing.pk).update(
        status=status, launched_on=datetime.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError):
        _form(referral, coordinator, "Wednesday circle")
    assert Circle.objects.count() == 1


def test_the_form_refuses_it_with_the_message_on_the_name(client, referral, coordinator, existing):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:create", args=[referral.core_member_id]),
        {**PATTERN, "meeting_time": "18:00", "name": "WEDNESDAY circle", "kind": "COMMUNITY"}
        | {"coordinator": coordinator.pk},
    )
    assert response.status_code == 200
    assert "already has an open circle" in response.context["form"].errors["name"][0]
    content = response.content.decode()
    assert "There is a problem" in content
    assert 'href="#id_name"' in content
    assert Circle.objects.count() == 1


# Allowed ------------------------------------------------------------------------------------


def test_an_ended_circles_name_is_free_again(referral, coordinator, existing):
    Circle.objects.filter(pk=existing.pk).update(
        status=Circle.Status.ENDED,
        ended_on=datetime.date(2026, 1, 1),
        end_reason=Circle.EndReason.COMPLETED,
        launched_on=datetime.date(2025, 1, 1),
    )
    circle = _form(referral, coordinator, "Wednesday circle")
    assert circle.name == "Wednesday circle"


def test_another_coordinator_may_use_the_name(referral, coordinator, existing):
    other = CoordinatorFactory()
    circle = _form(referral, other, "Wednesday circle")
    assert circle.coordinator == other


def test_a_different_name_is_formed(referral, coordinator, existing):
    assert _form(referral, coordinator, "Wednesday evening circle").pk is not None
