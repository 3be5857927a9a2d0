"""The matching profile: availability, travel and conflicts, who edits which part."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cosa.districts import parse_districts
from volunteers import services
from volunteers.models import Volunteer, VolunteerDistrict, availability_bit
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

SATURDAY_MORNING = availability_bit(5, 0)
THURSDAY_EVENING = availability_bit(3, 2)


def profile_url(volunteer):
    return reverse("volunteers:profile", args=[volunteer.pk])


@pytest.fixture
def volunteer():
    return ActiveVolunteerFactory(user__last_name="Vickers", postcode_area="LS6")


def test_it_names_every_bad_district():
    with pytest.raises(ValidationError) as error:
        parse_districts("LS6, nowhere, 12")
    assert len(error.value.messages) == 2
    assert '"nowhere"' in error.value.messages[0]


def test_it_normalises_and_deduplicates_districts():
    assert parse_districts(" ls6,LS7  ls6;sw1a ") == ["LS6", "LS7", "SW1A"]


def test_another_volunteer_gets_404(client, volunteer):
    client.force_login(ActiveVolunteerFactory().user)
    assert client.get(profile_url(volunteer)).status_code == 404
    assert client.post(profile_url(volunteer), {"availability": ["15"]}).status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.availability == 0


def test_a_liaison_gets_404(client, liaison, volunteer):
    client.force_login(liaison)
    assert client.get(profile_url(volunteer)).status_code == 404


def test_the_volunteer_sets_availability_and_travel_but_sees_no_conflict_fields(client, volunteer):
    client.force_login(volunteer.user)
    response = client.get(profile_url(volunteer))
    assert response.status_code == 200
    assert b"People they know" not in response.content
    assert b"must not be placed" not in response.content
    response = client.post(
        profile_url(volunteer),
        {"availability": ["15", "11"], "travel_districts": "ls6, LS7", "conflict_people": "x"},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.availability == SATURDAY_MORNING | THURSDAY_EVENING
    assert volunteer.districts_of(VolunteerDistrict.Kind.TRAVEL) == ["LS6", "LS7"]
    assert volunteer.conflict_people == ""


def test_the_coordinator_sets_the_whole_profile(client, coordinator, volunteer):
    client.force_login(coordinator)
    response = client.post(
        profile_url(volunteer),
        {
            "availability": ["15"],
            "travel_districts": "LS6",
            "postcode_area": "ls16",
            "gender": "WOMAN",
            "skills": "Mentoring",
            "languages": "Urdu",
            "conflict_districts": "BD1, BD2",
            "conflict_people": "Knows a family in Headingley",
        },
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.postcode_area == "LS16"
    assert volunteer.gender == "WOMAN"
    assert volunteer.districts_of(VolunteerDistrict.Kind.CONFLICT) == ["BD1", "BD2"]
    page = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "Saturday morning" in page
    assert "BD1, BD2" in page
    assert "Knows a family in Headingley" in page


def test_the_volunteer_never_sees_their_declared_conflicts_listed_back(client, volunteer):
    VolunteerDistrict.objects.create(volunteer=volunteer, kind="CONFLICT", district="BD9")
    Volunteer.objects.filter(pk=volunteer.pk).update(conflict_people="Secret Person")
    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "BD9" not in page
    assert "Secret Person" not in page


def test_bad_districts_are_a_form_error_and_nothing_is_written(client, coordinator, volunteer):
    client.force_login(coordinator)
    response = client.post(
        profile_url(volunteer),
        {"availability": ["15"], "travel_districts": "LS6, not-a-place", "postcode_area": "LS6"},
    )
    assert response.status_code == 200
    assert "is not a postcode district" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.availability == 0
    assert not volunteer.districts.exists()


def test_a_volunteer_cannot_set_the_staff_only_profile_through_the_service(volunteer):
    with pytest.raises(ValidationError):
        services.volunteer_profile_set(
            volunteer=volunteer, acting_user=volunteer.user, availability=0, travel_districts=""
        )


def test_availability_out_of_range_is_refused(coordinator, volunteer):
    with pytest.raises(ValidationError):
        services.volunteer_availability_set(
            volunteer=volunteer, acting_user=coordinator, availability=1 << 21, travel_districts=""
        )


def test_setting_districts_again_replaces_them(coordinator, volunteer):
    for travel in ("LS6, LS7", "LS7, LS8"):
        services.volunteer_availability_set(
            volunteer=volunteer, acting_user=coordinator, availability=1, travel_districts=travel
        )
    assert volunteer.districts_of(VolunteerDistrict.Kind.TRAVEL) == ["LS7", "LS8"]


def test_free_at_uses_the_part_of_the_day(coordinator, volunteer):
    volunteer.availability = THURSDAY_EVENING
    volunteer.save()
    assert Volunteer.objects.free_at(3, datetime.time(18, 30)).filter(pk=volunteer.pk).exists()
    assert not Volunteer.objects.free_at(3, datetime.time(10, 0)).filter(pk=volunteer.pk).exists()
