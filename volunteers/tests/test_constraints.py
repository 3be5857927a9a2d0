"""The database refuses what the volunteer models forbid; the services say so in words."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from volunteers import services
from volunteers.models import DBSCheck, Reference, TrainingRecord, Volunteer, VolunteerHours
from volunteers.tests.factories import (
    ActiveVolunteerFactory,
    DBSCheckFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


# The database ------------------------------------------------------------------------------


def test_db_refuses_a_volunteer_who_left_without_a_leaving_date(db_refuses):
    volunteer = ActiveVolunteerFactory()
    with db_refuses("volunteer_left_has_date"):
        Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.LEFT)


def test_db_refuses_a_second_dbs_check_with_the_same_certificate(db_refuses):
    first = DBSCheckFactory(certificate_number="001234567890")
    with db_refuses("dbs_unique_certificate_number"):
        DBSCheck.objects.create(
            volunteer=VolunteerFactory(), certificate_number="001234567890", issued_on=TODAY
        )
    assert DBSCheck.objects.filter(certificate_number=first.certificate_number).count() == 1


def test_db_refuses_a_recheck_date_on_or_before_the_issue_date(db_refuses):
    check = DBSCheckFactory()
    with db_refuses("dbs_recheck_after_issue"):
        DBSCheck.objects.filter(pk=check.pk).update(recheck_due_on=F("issued_on"))


def test_db_refuses_a_reference_received_before_it_was_requested(db_refuses):
    with db_refuses("reference_received_after_requested"):
        Reference.objects.create(
            volunteer=VolunteerFactory(),
            referee_name="Rita Reeve",
            relationship="Line manager",
            requested_on=TODAY,
            received_on=TODAY - datetime.timedelta(days=1),
        )


def test_db_refuses_the_same_course_twice_on_one_day(db_refuses):
    record = TrainingRecordFactory(completed_on=TODAY)
    with db_refuses("training_unique_per_day"):
        TrainingRecord.objects.create(
            volunteer=record.volunteer, course=record.course, completed_on=TODAY
        )


@pytest.mark.parametrize("hours", ["0", "-1.5", "24.01", "25"])
def test_db_refuses_hours_outside_0_to_24(db_refuses, hours):
    with db_refuses("volunteer_hours_between_0_and_24"):
        VolunteerHours.objects.create(
            volunteer=VolunteerFactory(),
            worked_on=TODAY,
            kind=VolunteerHours.Kind.MEETING,
            hours=Decimal(hours),
        )


def test_db_accepts_a_full_day_of_hours():
    hours = VolunteerHours.objects.create(
        volunteer=VolunteerFactory(), worked_on=TODAY, kind="TRAVEL", hours=Decimal("24")
    )
    assert hours.pk


# The services ------------------------------------------------------------------------------


def test_service_refuses_a_duplicate_certificate_naming_the_field():
    DBSCheckFactory(certificate_number="001234567890")
    with pytest.raises(ValidationError) as caught:
        services.dbs_check_record(
            volunteer=VolunteerFactory(),
            certificate_number="001234567890",
            issued_on=timezone.localdate(),
        )
    assert "certificate_number" in caught.value.message_dict


def test_service_refuses_the_same_course_twice_on_one_day():
    record = TrainingRecordFactory()
    with pytest.raises(ValidationError) as caught:
        services.training_record(
            volunteer=record.volunteer, course=record.course, completed_on=record.completed_on
        )
    assert "already exists" in " ".join(caught.value.messages)


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("24.5")])
def test_service_refuses_hours_outside_0_to_24_in_words(hours):
    with pytest.raises(ValidationError) as caught:
        services.hours_log(
            volunteer=VolunteerFactory(),
            worked_on=timezone.localdate(),
            kind=VolunteerHours.Kind.MEETING,
            hours=hours,
        )
    assert "Hours must be more than 0 and at most 24." in caught.value.messages


def test_service_refuses_a_reference_received_before_it_was_requested():
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.reference_record(
            volunteer=VolunteerFactory(),
            referee_name="Rita Reeve",
            relationship="Line manager",
            requested_on=today,
            received_on=today - datetime.timedelta(days=3),
        )
    assert not Reference.objects.exists()


def test_service_refuses_a_second_volunteer_record_for_one_user():
    volunteer = VolunteerFactory()
    with pytest.raises(ValidationError) as caught:
        services.volunteer_apply(user=volunteer.user)
    assert "user" in caught.value.message_dict


def test_service_refuses_leaving_without_a_reason_so_no_left_row_lacks_a_date():
    volunteer = ActiveVolunteerFactory()
    with pytest.raises(ValidationError) as caught:
        services.volunteer_move(volunteer=volunteer, to=Volunteer.Status.LEFT, reason="  ")
    assert "exit_reason" in caught.value.message_dict
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.ACTIVE
