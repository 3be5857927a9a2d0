"""The database refuses what the accounts models forbid; the services say so in words."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Agency, User
from accounts.services import user_create
from accounts.tests.factories import AgencyFactory, CoordinatorFactory

pytestmark = pytest.mark.django_db


# The database ------------------------------------------------------------------------------


def test_db_refuses_two_agencies_with_the_same_name_in_one_region(db_refuses):
    AgencyFactory(name="Northshire Police PPU", region="Northshire")
    with db_refuses("agency_unique_name_region"):
        Agency.objects.create(
            name="Northshire Police PPU", region="Northshire", kind=Agency.Kind.POLICE_PPU
        )


def test_db_accepts_the_same_agency_name_in_another_region():
    AgencyFactory(name="Police PPU", region="Northshire")
    AgencyFactory(name="Police PPU", region="Southshire")
    assert Agency.objects.filter(name="Police PPU").count() == 2


def test_db_refuses_a_liaison_without_an_agency(db_refuses):
    with db_refuses("user_liaison_has_agency"):
        User.objects.create(
            email="liaison-without-agency@example.org", role=User.Role.LIAISON, agency=None
        )


def test_db_refuses_removing_a_liaisons_agency(db_refuses, liaison):
    with db_refuses("user_liaison_has_agency"):
        User.objects.filter(pk=liaison.pk).update(agency=None)


# The services ------------------------------------------------------------------------------


def test_service_refuses_a_liaison_without_an_agency_in_words():
    with pytest.raises(ValidationError) as caught:
        user_create(
            email="no-agency@example.org",
            first_name="Nina",
            last_name="Noakes",
            role=User.Role.LIAISON,
        )
    assert "A liaison must belong to an agency." in caught.value.messages
    assert not User.objects.filter(email="no-agency@example.org").exists()


def test_service_refuses_a_second_account_with_the_same_email():
    CoordinatorFactory(email="alice@example.org")
    with pytest.raises(ValidationError) as caught:
        user_create(
            email="Alice@Example.org",
            first_name="Alice",
            last_name="Again",
            role=User.Role.COORDINATOR,
        )
    assert "email" in caught.value.message_dict
