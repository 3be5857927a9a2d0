"""The volunteer path and vetting: applied → vetting → training → active ⇄ paused → left."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import CoordinatorFactory, VolunteerUserFactory
from circles import services as circle_services
from circles.models import CircleMembership
from circles.tests.factories import launchable_circle
from volunteers import services
from volunteers.models import SupervisionSession, TrainingRecord, Volunteer
from volunteers.tests.factories import (
    ActiveVolunteerFactory,
    DBSCheckFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

Status = Volunteer.Status


def move(volunteer, to, **kwargs):
    return services.volunteer_move(volunteer=volunteer, to=to, **kwargs)


def reload(user):
    return User.objects.get(pk=user.pk)


# Applying -----------------------------------------------------------------------------------


def test_it_refuses_an_application_from_a_non_volunteer_account(coordinator):
    with pytest.raises(ValidationError) as caught:
        services.volunteer_apply(user=coordinator)
    assert "user" in caught.value.message_dict
    assert not Volunteer.objects.exists()


def test_an_application_starts_the_path_today():
    volunteer = services.volunteer_apply(user=VolunteerUserFactory())
    assert volunteer.status == Status.APPLIED
    assert volunteer.applied_on == timezone.localdate()


# The path ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.APPLIED, Status.ACTIVE),
        (Status.APPLIED, Status.TRAINING),
        (Status.VETTING, Status.ACTIVE),
        (Status.ACTIVE, Status.TRAINING),
        (Status.PAUSED, Status.VETTING),
        (Status.ACTIVE, Status.APPLIED),
    ],
)
def test_it_refuses_skipping_or_reversing_steps(start, to):
    volunteer = ActiveVolunteerFactory(status=start)
    with pytest.raises(ValidationError) as caught:
        move(volunteer, to)
    assert "status" in caught.value.message_dict
    volunteer.refresh_from_db()
    assert volunteer.status == start


@pytest.mark.parametrize("to", [Status.ACTIVE, Status.APPLIED, Status.PAUSED, Status.LEFT])
def test_it_refuses_every_move_after_leaving(to):
    volunteer = VolunteerFactory(
        status=Status.LEFT, left_on=timezone.localdate(), exit_reason="Moved away"
    )
    with pytest.raises(ValidationError) as caught:
        move(volunteer, to, reason="Again")
    assert "status" in caught.value.message_dict


def test_it_refuses_activating_without_the_initial_training():
    volunteer = VolunteerFactory(status=Status.TRAINING)
    DBSCheckFactory(volunteer=volunteer)
    TrainingRecordFactory(volunteer=volunteer, course=TrainingRecord.Course.SAFEGUARDING)
    with pytest.raises(ValidationError) as caught:
        move(volunteer, Status.ACTIVE)
    assert caught.value.message_dict["status"] == ["Record the initial training before activating."]
    volunteer.refresh_from_db()
    assert volunteer.status == Status.TRAINING


def test_it_refuses_leaving_without_a_reason():
    volunteer = ActiveVolunteerFactory()
    with pytest.raises(ValidationError) as caught:
        move(volunteer, Status.LEFT, reason="")
    assert "exit_reason" in caught.value.message_dict
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.left_on) == (Status.ACTIVE, None)


def test_the_whole_path_from_application_to_leaving():
    volunteer = VolunteerFactory()
    move(volunteer, Status.VETTING)
    move(volunteer, Status.TRAINING)
    TrainingRecordFactory(volunteer=volunteer, course=TrainingRecord.Course.INITIAL)
    DBSCheckFactory(volunteer=volunteer, issued_on=datetime.date(2026, 4, 1))
    move(volunteer, Status.ACTIVE, on=datetime.date(2026, 5, 1))
    assert volunteer.started_on == datetime.date(2026, 5, 1)

    move(volunteer, Status.PAUSED)
    move(volunteer, Status.ACTIVE, on=datetime.date(2026, 7, 1))
    # Coming back from a pause keeps the first start date.
    assert volunteer.started_on == datetime.date(2026, 5, 1)

    move(volunteer, Status.LEFT, reason="  Moving abroad  ", on=datetime.date(2026, 8, 1))
    volunteer.refresh_from_db()
    assert volunteer.status == Status.LEFT
    assert volunteer.left_on == datetime.date(2026, 8, 1)
    assert volunteer.exit_reason == "Moving abroad"


@pytest.mark.parametrize("start", [Status.APPLIED, Status.VETTING, Status.TRAINING, Status.PAUSED])
def test_a_volunteer_can_leave_from_any_step(start):
    volunteer = VolunteerFactory(status=start)
    move(volunteer, Status.LEFT, reason="Changed their mind")
    volunteer.refresh_from_db()
    assert volunteer.status == Status.LEFT


def test_leaving_ends_every_circle_membership_and_its_access():
    circle = launchable_circle()
    membership = circle.memberships.first()
    volunteer = membership.volunteer
    assert reload(volunteer.user).has_perm("circles.view_circle", circle)

    circle_services.volunteer_leave(volunteer=volunteer, reason="Moving abroad")

    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.exit_reason) == (Status.LEFT, "Moving abroad")
    membership.refresh_from_db()
    assert membership.left_on == timezone.localdate()
    assert membership.leaving_reason == "Left the pool"
    assert not CircleMembership.objects.current().filter(volunteer=volunteer).exists()
    assert not reload(volunteer.user).has_perm("circles.view_circle", circle)
    assert not reload(volunteer.user).has_perm("circles.view_briefing", circle)
    # The others stay in.
    assert circle.memberships.current().count() == 2


def test_the_pool_alone_refuses_to_let_a_volunteer_in_a_circle_leave():
    """Only the circles' leaving service may end memberships; nothing changes here."""
    membership = launchable_circle().memberships.first()
    volunteer = membership.volunteer
    with pytest.raises(ValidationError) as caught:
        move(volunteer, Status.LEFT, reason="Moving abroad")
    assert "still in a circle" in str(caught.value)
    volunteer.refresh_from_db()
    membership.refresh_from_db()
    assert (volunteer.status, membership.left_on) == (Status.ACTIVE, None)


def test_leaving_without_a_reason_ends_no_membership():
    membership = launchable_circle().memberships.first()
    with pytest.raises(ValidationError):
        circle_services.volunteer_leave(volunteer=membership.volunteer, reason="  ")
    membership.refresh_from_db()
    assert membership.left_on is None


# Vetting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["12345678901", "1234567890123", "12345678901A", ""])
def test_it_refuses_a_certificate_number_that_is_not_12_digits(number):
    with pytest.raises(ValidationError) as caught:
        services.dbs_check_record(
            volunteer=VolunteerFactory(), certificate_number=number, issued_on=timezone.localdate()
        )
    assert "certificate_number" in caught.value.message_dict


def test_it_refuses_a_dbs_check_issued_in_the_future():
    with pytest.raises(ValidationError) as caught:
        services.dbs_check_record(
            volunteer=VolunteerFactory(),
            certificate_number="001234567890",
            issued_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert "issued_on" in caught.value.message_dict


def test_a_dbs_check_is_due_for_recheck_three_years_after_issue():
    issued = timezone.localdate() - datetime.timedelta(days=10)
    check = services.dbs_check_record(
        volunteer=VolunteerFactory(), certificate_number=" 001234567890 ", issued_on=issued
    )
    check.refresh_from_db()
    assert check.certificate_number == "001234567890"
    assert check.recheck_due_on == issued + relativedelta(years=3)
    assert check.is_current()
    assert not check.is_current(on=issued - datetime.timedelta(days=1))
    assert not check.is_current(on=check.recheck_due_on)


def test_it_refuses_training_completed_in_the_future():
    with pytest.raises(ValidationError) as caught:
        services.training_record(
            volunteer=VolunteerFactory(),
            course=TrainingRecord.Course.INITIAL,
            completed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert "completed_on" in caught.value.message_dict


def test_a_reference_is_recorded():
    reference = services.reference_record(
        volunteer=VolunteerFactory(),
        referee_name="Rita Reeve",
        relationship="Line manager",
        requested_on=timezone.localdate(),
    )
    assert reference.received_on is None


# Supervision and hours ---------------------------------------------------------------------------


def test_it_refuses_supervision_notes_from_a_volunteer():
    volunteer = ActiveVolunteerFactory()
    with pytest.raises(ValidationError):
        services.supervision_record(
            volunteer=volunteer,
            held_on=timezone.localdate(),
            notes="Peer chat",
            acting_user=VolunteerUserFactory(),
        )
    assert not SupervisionSession.objects.exists()


def test_a_coordinator_records_supervision_as_themselves():
    coordinator = CoordinatorFactory()
    session = services.supervision_record(
        volunteer=ActiveVolunteerFactory(),
        held_on=timezone.localdate(),
        notes="Debrief after a hard meeting.",
        acting_user=coordinator,
    )
    assert session.coordinator == coordinator


def test_it_refuses_hours_for_a_future_date():
    with pytest.raises(ValidationError) as caught:
        services.hours_log(
            volunteer=ActiveVolunteerFactory(),
            worked_on=timezone.localdate() + datetime.timedelta(days=1),
            kind="MEETING",
            hours=Decimal("1.5"),
        )
    assert "worked_on" in caught.value.message_dict


def test_hours_are_logged_against_a_circle():
    circle = launchable_circle()
    volunteer = circle.memberships.first().volunteer
    hours = services.hours_log(
        volunteer=volunteer,
        worked_on=timezone.localdate(),
        kind="MEETING",
        hours=Decimal("1.5"),
        circle=circle,
    )
    hours.refresh_from_db()
    assert (hours.hours, hours.circle) == (Decimal("1.50"), circle)
