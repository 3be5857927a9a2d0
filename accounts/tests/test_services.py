"""Account services: creating users and deactivating them (which removes every grant)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import user_create, user_deactivate
from accounts.tests.factories import DEMO_PASSWORD, LiaisonFactory
from circles import services as circle_services
from circles.models import Circle, CircleUserObjectPermission
from circles.tests.factories import launchable_circle
from coreMembers import services as cm_services
from coreMembers.models import CoreMemberUserObjectPermission
from coreMembers.tests.factories import (
    InformationSharingRecordFactory,
    SharingAgreementFactory,
)
from sharing import services as sharing_services

pytestmark = pytest.mark.django_db


def reload(user):
    """A fresh object: guardian caches permissions on the user instance."""
    return User.objects.get(pk=user.pk)


# user_create -------------------------------------------------------------------------------


def test_it_refuses_an_unknown_role():
    with pytest.raises(ValidationError) as caught:
        user_create(email="x@example.org", first_name="X", last_name="Y", role="WIZARD")
    assert "role" in caught.value.message_dict


def test_it_lowercases_the_email_and_sets_the_password(agency):
    user = user_create(
        email="Lena.Lockwood@Probation.Example.ORG",
        first_name="Lena",
        last_name="Lockwood",
        role=User.Role.LIAISON,
        agency=agency,
        password=DEMO_PASSWORD,
    )
    user = reload(user)
    assert user.email == "lena.lockwood@probation.example.org"
    assert user.check_password(DEMO_PASSWORD)
    assert not user.is_staff


def test_it_gives_an_unusable_password_when_none_is_given():
    user = user_create(
        email="invited@example.org", first_name="Ivy", last_name="Invite", role="VOLUNTEER"
    )
    assert not reload(user).has_usable_password()


def test_only_managers_may_use_the_admin_site():
    manager = user_create(
        email="boss@example.org", first_name="Morag", last_name="Mansell", role="MANAGER"
    )
    coordinator = user_create(
        email="coord@example.org", first_name="Alice", last_name="Ashdown", role="COORDINATOR"
    )
    assert manager.is_staff
    assert not coordinator.is_staff


# user_deactivate -----------------------------------------------------------------------------


def test_deactivating_a_coordinator_removes_their_circle_and_core_member_grants(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    assert reload(coordinator).has_perm("circles.change_circle", circle)
    assert reload(coordinator).has_perm("core_members.view_identity", circle.core_member)

    user_deactivate(user=coordinator, acting_user=None)

    coordinator = reload(coordinator)
    assert not coordinator.is_active
    assert coordinator.deactivated_at is not None
    assert not CircleUserObjectPermission.objects.filter(user=coordinator).exists()
    assert not CoreMemberUserObjectPermission.objects.filter(user=coordinator).exists()
    # Even if the account were switched back on, nothing would come back with it.
    coordinator.is_active = True
    assert not coordinator.has_perm("circles.view_circle", circle)
    assert not coordinator.has_perm("core_members.view_coremember", circle.core_member)


def test_deactivating_a_volunteer_takes_them_out_of_every_circle_group(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    volunteer_user = circle.memberships.first().volunteer.user
    assert reload(volunteer_user).has_perm("circles.view_circle", circle)

    user_deactivate(user=volunteer_user)

    volunteer_user = reload(volunteer_user)
    assert not volunteer_user.groups.exists()
    assert not volunteer_user.has_perm("circles.view_circle", circle)
    volunteer_user.is_active = True
    assert not volunteer_user.has_perm("circles.view_circle", circle)


def test_deactivating_a_liaison_removes_the_records_shared_with_them(coordinator):
    liaison = LiaisonFactory()
    record = InformationSharingRecordFactory(created_by=coordinator)
    SharingAgreementFactory(core_member=record.core_member, agencies=[liaison.agency])
    cm_services.liaison_assign(
        core_member=record.core_member, liaison=liaison, role="OFFENDER_MANAGER"
    )
    sharing_services.record_share(record=record, recipients=[liaison], acting_user=coordinator)
    perm = "sharing.view_informationsharingrecord"
    assert reload(liaison).has_perm(perm, record)

    user_deactivate(user=liaison)

    liaison = reload(liaison)
    liaison.is_active = True
    assert not liaison.has_perm(perm, record)
    assert not liaison.has_perm("core_members.view_identity", record.core_member)


def test_deactivating_one_user_leaves_the_others_grants_alone(coordinator, other_coordinator):
    circle = launchable_circle(coordinator=coordinator)
    other = launchable_circle(coordinator=other_coordinator)
    user_deactivate(user=coordinator)
    assert reload(other_coordinator).has_perm("circles.change_circle", other)
    member = other.memberships.first().volunteer.user
    assert reload(member).has_perm("circles.view_circle", other)
    assert Circle.objects.filter(pk=circle.pk).exists()


def test_a_deactivated_coordinator_cannot_be_given_a_new_circle(coordinator, manager):
    circle = launchable_circle()
    user_deactivate(user=coordinator)
    with pytest.raises(ValidationError) as caught:
        circle_services.circle_change_coordinator(
            circle=circle, coordinator=reload(coordinator), acting_user=manager
        )
    assert "coordinator" in caught.value.message_dict
