"""The Core Member's own numbers to call: added and removed by whoever changes him."""

import pytest
from django.urls import reverse

from accounts.grants import grant
from accounts.models import AccessLog
from accounts.tests.factories import CoordinatorFactory, LiaisonFactory, VolunteerUserFactory
from circles.models import SafeguardingContact
from circles.tests.factories import ActiveCircleFactory
from coreMembers.services import COORDINATOR_CORE_MEMBER_PERMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def core_member():
    circle = ActiveCircleFactory()
    core_member = circle.core_member
    core_member.coordinator = circle.coordinator
    core_member.save(update_fields=["coordinator"])
    grant(circle.coordinator, core_member, *COORDINATOR_CORE_MEMBER_PERMS)
    return core_member


def url(core_member):
    return reverse("circles:contacts", args=[core_member.pk])


def add(client, core_member, **data):
    fields = {"name": "Hostel night manager", "organisation": "", "phone": "01632 960123"}
    return client.post(url(core_member), {**fields, **data})


def test_outsiders_are_told_it_does_not_exist(client, core_member):
    for outsider in (CoordinatorFactory(), VolunteerUserFactory(), LiaisonFactory()):
        client.force_login(outsider)
        assert client.get(url(core_member)).status_code == 404
        assert add(client, core_member).status_code == 404
    assert not SafeguardingContact.objects.exists()


def test_the_owner_adds_a_number_that_staff_then_see_with_tap_to_call(client, core_member):
    client.force_login(core_member.coordinator)
    response = add(client, core_member, name="  Police   duty desk ", phone="01632  960 124")
    assert response.status_code == 302
    contact = SafeguardingContact.objects.get()
    assert (contact.name, contact.phone, contact.created_by) == (
        "Police duty desk",
        "01632 960 124",
        core_member.coordinator,
    )
    page = client.get(reverse("core_members:detail", args=[core_member.pk])).content.decode()
    assert 'href="tel:01632960124"' in page
    assert url(core_member) in page
    assert AccessLog.objects.filter(user=core_member.coordinator, detail="numbers to call").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": ""}, "name"),
        ({"phone": ""}, "phone"),
        ({"phone": "banana"}, "phone"),
        ({"phone": "0163"}, "phone"),
        ({"phone": "01632 960123 ext <b>"}, "phone"),
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(client, core_member, data, field):
    client.force_login(core_member.coordinator)
    response = add(client, core_member, **data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not SafeguardingContact.objects.exists()


def test_the_same_number_twice_is_refused_not_saved_twice(client, core_member):
    client.force_login(core_member.coordinator)
    assert add(client, core_member).status_code == 302
    again = add(client, core_member, name="hostel night MANAGER")
    assert again.status_code == 200
    assert "already listed" in again.content.decode()
    assert SafeguardingContact.objects.count() == 1


def test_removing_needs_a_post_and_another_core_members_number_is_404(client, core_member):
    other = ActiveCircleFactory().core_member
    mine = SafeguardingContact.objects.create(
        core_member=core_member,
        name="Night manager",
        phone="01632 960125",
        created_by=core_member.coordinator,
    )
    theirs = SafeguardingContact.objects.create(
        core_member=other,
        name="Their desk",
        phone="01632 960126",
        created_by=core_member.coordinator,
    )
    service_wide = SafeguardingContact.objects.create(
        core_member=None,
        name="Duty desk",
        phone="01632 960127",
        created_by=core_member.coordinator,
    )
    client.force_login(core_member.coordinator)
    remove = "circles:contact_remove"
    assert client.get(reverse(remove, args=[core_member.pk, mine.pk])).status_code == 405
    for pk in (theirs.pk, service_wide.pk):
        assert client.post(reverse(remove, args=[core_member.pk, pk])).status_code == 404
    assert client.post(reverse(remove, args=[core_member.pk, mine.pk])).status_code == 302
    assert set(SafeguardingContact.objects.all()) == {theirs, service_wide}
    # A double click: the second removal finds nothing and says so.
    assert client.post(reverse(remove, args=[core_member.pk, mine.pk])).status_code == 404


def test_an_assigned_liaison_sees_him_but_may_not_change_his_numbers(client, core_member):
    from coreMembers import services

    liaison = LiaisonFactory()
    services.liaison_assign(core_member=core_member, liaison=liaison, role="OFFENDER_MANAGER")
    client.force_login(liaison)
    assert client.get(url(core_member)).status_code == 403
    assert add(client, core_member).status_code == 403
    assert not SafeguardingContact.objects.exists()
