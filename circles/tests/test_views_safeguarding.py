"""Cover, rota and concern safeguarding pages: outsiders 404, the deputy 403, owners act."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.grants import circle_group, grant
from accounts.tests.factories import (
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
    VolunteerUserFactory,
)
from circles import cover
from circles.models import Concern, ConcernAction, Cover, OnCallShift, SafeguardingContact
from circles.services import COORDINATOR_CIRCLE_PERMS, VOLUNTEER_CIRCLE_PERMS
from circles.tests.factories import ActiveCircleFactory, CircleMembershipFactory, ConcernFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle():
    circle = ActiveCircleFactory()
    grant(circle.coordinator, circle, *COORDINATOR_CIRCLE_PERMS)
    return circle


def _member(circle):
    membership = CircleMembershipFactory(circle=circle)
    circle_group(circle).user_set.add(membership.volunteer.user)
    grant(circle.volunteer_group, circle, *VOLUNTEER_CIRCLE_PERMS)
    return membership


@pytest.fixture
def cover_row(circle):
    return cover.cover_create(
        coordinator=circle.coordinator,
        deputy=CoordinatorFactory(),
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=3),
        acting_user=circle.coordinator,
    )


@pytest.mark.parametrize("name", ["circles:cover_list", "circles:cover_new", "circles:shift_list"])
def test_volunteers_and_liaisons_get_404_on_cover_pages(client, name):
    for outsider in (VolunteerUserFactory(), LiaisonFactory()):
        client.force_login(outsider)
        assert client.get(reverse(name)).status_code == 404


def test_an_unrelated_coordinator_cannot_see_or_end_a_cover(client, cover_row):
    client.force_login(CoordinatorFactory())
    assert cover_row.deputy.get_full_name() not in client.get(reverse("circles:cover_list")).text
    assert client.post(reverse("circles:cover_end", args=[cover_row.pk])).status_code == 404
    cover_row.refresh_from_db()
    assert cover_row.ended_at is None


def test_the_deputy_sees_the_cover_but_may_not_end_it(client, cover_row):
    client.force_login(cover_row.deputy)
    assert client.get(reverse("circles:cover_list")).status_code == 200
    assert client.post(reverse("circles:cover_end", args=[cover_row.pk])).status_code == 403


def test_the_coordinator_ends_their_cover(client, cover_row, circle):
    client.force_login(circle.coordinator)
    response = client.post(reverse("circles:cover_end", args=[cover_row.pk]))
    assert response.status_code == 302
    cover_row.refresh_from_db()
    assert cover_row.ended_at is not None


def test_cover_form_refuses_end_before_start_and_writes_nothing(client, circle):
    client.force_login(circle.coordinator)
    page = client.get(reverse("circles:cover_new"))
    token = page.context["form"].once_token
    response = client.post(
        reverse("circles:cover_new"),
        {
            "_once": token,
            "coordinator": circle.coordinator.pk,
            "deputy": CoordinatorFactory().pk,
            "starts_on": "2099-01-10",
            "ends_on": "2099-01-05",
        },
    )
    assert response.status_code == 200
    assert "Cover ends on or after the day it starts." in response.text
    assert Cover.objects.count() == 0


def test_a_shift_is_added_once_on_a_double_post(client):
    manager = ManagerFactory()
    client.force_login(manager)
    token = client.get(reverse("circles:shift_new")).context["form"].once_token
    data = {
        "_once": token,
        "staff": manager.pk,
        "phone": "01632 960555",
        "starts_at": "2099-01-10T18:00",
        "ends_at": "2099-01-11T08:00",
    }
    client.post(reverse("circles:shift_new"), data)
    client.post(reverse("circles:shift_new"), data)
    assert OnCallShift.objects.count() == 1


def test_lists_keep_their_query_count(client, django_assert_max_num_queries):
    manager = ManagerFactory()
    client.force_login(manager)
    counts = []
    # One person on call at a time: each shift follows the one before.
    starts = timezone.now()
    for extra in (1, 6):
        for _ in range(extra):
            cover.cover_create(
                coordinator=CoordinatorFactory(),
                deputy=CoordinatorFactory(),
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate(),
                acting_user=manager,
            )
            cover.shift_create(
                staff=CoordinatorFactory(),
                phone="01632 960000",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=5),
                acting_user=manager,
            )
            starts += datetime.timedelta(hours=5)
        for name in ("circles:cover_list", "circles:shift_list"):
            with django_assert_max_num_queries(15) as captured:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(captured))
    assert counts[:2] == counts[2:]


def test_concern_page_shows_professionals_to_staff_and_only_two_numbers_to_volunteers(
    client, circle
):
    membership = _member(circle)
    concern = ConcernFactory(
        circle=circle,
        severity=Concern.Severity.RED,
        imminent_risk=True,
        raised_by=membership.volunteer.user,
        raised_at=timezone.now() - datetime.timedelta(hours=3, minutes=12),
    )
    SafeguardingContact.objects.create(
        core_member=circle.core_member,
        name="Police duty desk",
        phone="01632 960777",
        created_by=circle.coordinator,
    )
    client.force_login(membership.volunteer.user)
    page = client.get(reverse("circles:concern_detail", args=[circle.pk, concern.pk])).text
    assert "Police duty desk" not in page
    assert 'href="tel:999"' in page
    client.force_login(circle.coordinator)
    page = client.get(reverse("circles:concern_detail", args=[circle.pk, concern.pk])).text
    assert 'href="tel:01632960777"' in page
    assert "raised 3 h 12 min ago" in page


def test_an_outsider_cannot_record_an_action(client, circle):
    concern = ConcernFactory(circle=circle, raised_at=timezone.now())
    client.force_login(CoordinatorFactory())
    url = reverse("circles:concern_action_add", args=[circle.pk, concern.pk])
    assert client.post(url, {"kind": "POLICE", "outcome": "x"}).status_code == 404
    assert ConcernAction.objects.count() == 0


def test_the_coordinator_records_an_action_once(client, circle):
    concern = ConcernFactory(circle=circle, raised_at=timezone.now())
    client.force_login(circle.coordinator)
    detail = client.get(reverse("circles:concern_detail", args=[circle.pk, concern.pk]))
    token = detail.context["action_form"].once_token
    url = reverse("circles:concern_action_add", args=[circle.pk, concern.pk])
    data = {"_once": token, "kind": "OFFENDER_MANAGER", "outcome": "Will visit."}
    assert client.post(url, data).status_code == 302
    client.post(url, data)
    assert ConcernAction.objects.count() == 1


@pytest.mark.parametrize("outsider", ["volunteer", "liaison"])
def test_outsiders_get_404_on_the_end_buttons(client, cover_row, outsider):
    client.force_login(VolunteerUserFactory() if outsider == "volunteer" else LiaisonFactory())
    assert client.post(reverse("circles:cover_end", args=[cover_row.pk])).status_code == 404


def test_the_raise_page_tells_a_volunteer_999_and_the_out_of_hours_number(client, circle, settings):
    settings.COSA_OUT_OF_HOURS_PHONE = "01632 960222"
    membership = _member(circle)
    client.force_login(membership.volunteer.user)
    page = client.get(reverse("circles:concern_raise", args=[circle.pk])).text
    assert 'href="tel:999"' in page
    assert 'href="tel:01632960222"' in page


def test_the_core_member_page_gives_the_numbers_to_call(client, circle):
    from coreMembers.tests.factories import LiaisonAssignmentFactory

    liaison = LiaisonFactory(phone="01632 960444")
    LiaisonAssignmentFactory(core_member=circle.core_member, liaison=liaison)
    SafeguardingContact.objects.create(
        core_member=circle.core_member,
        name="Duty desk",
        phone="01632 960555",
        created_by=circle.coordinator,
    )
    other = ActiveCircleFactory()
    SafeguardingContact.objects.create(
        core_member=other.core_member,
        name="Someone else's officer",
        phone="01632 960666",
        created_by=other.coordinator,
    )
    client.force_login(ManagerFactory())
    page = client.get(reverse("core_members:detail", args=[circle.core_member_id])).content.decode()
    assert 'href="tel:01632960444"' in page
    assert 'href="tel:01632960555"' in page
    assert "Someone else&#x27;s officer" not in page
    assert "01632 960666" not in page
