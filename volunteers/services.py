"""Writes for the volunteer pool: the volunteer path, vetting, training, hours."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cosa.services import transition, validated_save
from volunteers.models import (
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    Volunteer,
    VolunteerHours,
)


@transaction.atomic
def volunteer_apply(
    *, user: User, applied_on: datetime.date | None = None, acting_user: User | None = None
) -> Volunteer:
    if user.role != User.Role.VOLUNTEER:
        raise ValidationError({"user": "Only a volunteer account can join the pool."})
    return validated_save(Volunteer(user=user, applied_on=applied_on or timezone.localdate()))


@transaction.atomic
def volunteer_move(
    *,
    volunteer: Volunteer,
    to: str,
    acting_user: User | None = None,
    on: datetime.date | None = None,
    reason: str = "",
) -> Volunteer:
    """Move along applied → vetting → training → active ⇄ paused → left."""
    on = on or timezone.localdate()
    needs_training = to == Volunteer.Status.ACTIVE and volunteer.status == Volunteer.Status.TRAINING
    if (
        needs_training
        and not volunteer.training.filter(course=TrainingRecord.Course.INITIAL).exists()
    ):
        raise ValidationError({"status": "Record the initial training before activating."})
    transition(volunteer, to)
    if to == Volunteer.Status.ACTIVE and volunteer.started_on is None:
        volunteer.started_on = on
    if to == Volunteer.Status.LEFT:
        if not reason.strip():
            raise ValidationError({"exit_reason": "Give a reason for leaving."})
        volunteer.left_on = on
        volunteer.exit_reason = reason.strip()
        from circles.services import membership_end

        for membership in volunteer.memberships.current().select_related("circle"):
            membership_end(membership=membership, acting_user=acting_user, reason="Left the pool")
    return validated_save(volunteer)


@transaction.atomic
def dbs_check_record(
    *,
    volunteer: Volunteer,
    certificate_number: str,
    issued_on: datetime.date,
    level: str = DBSCheck.Level.ENHANCED,
    update_service: bool = False,
    acting_user: User | None = None,
) -> DBSCheck:
    certificate_number = certificate_number.strip()
    if not (certificate_number.isdigit() and len(certificate_number) == 12):
        raise ValidationError({"certificate_number": "A DBS certificate number has 12 digits."})
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": "The issue date cannot be in the future."})
    check = DBSCheck(
        volunteer=volunteer,
        certificate_number=certificate_number,
        issued_on=issued_on,
        level=level,
        update_service=update_service,
    )
    # recheck_due_on is derived in save(); exclude it from field validation.
    return validated_save(check, exclude=["recheck_due_on"])


@transaction.atomic
def reference_record(
    *,
    volunteer: Volunteer,
    referee_name: str,
    relationship: str,
    requested_on: datetime.date,
    received_on: datetime.date | None = None,
    satisfactory: bool | None = None,
    acting_user: User | None = None,
) -> Reference:
    return validated_save(
        Reference(
            volunteer=volunteer,
            referee_name=referee_name,
            relationship=relationship,
            requested_on=requested_on,
            received_on=received_on,
            satisfactory=satisfactory,
        )
    )


@transaction.atomic
def training_record(
    *, volunteer: Volunteer, course: str, completed_on: datetime.date, acting_user=None
) -> TrainingRecord:
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "Training cannot be completed in the future."})
    return validated_save(
        TrainingRecord(volunteer=volunteer, course=course, completed_on=completed_on)
    )


@transaction.atomic
def supervision_record(
    *, volunteer: Volunteer, held_on: datetime.date, notes: str, acting_user: User
) -> SupervisionSession:
    if acting_user.role not in (User.Role.COORDINATOR, User.Role.MANAGER):
        raise ValidationError("Only a coordinator or manager records supervision.")
    return validated_save(
        SupervisionSession(
            volunteer=volunteer, coordinator=acting_user, held_on=held_on, notes=notes
        )
    )


@transaction.atomic
def hours_log(
    *,
    volunteer: Volunteer,
    worked_on: datetime.date,
    kind: str,
    hours: Decimal,
    circle=None,
    note: str = "",
    acting_user: User | None = None,
) -> VolunteerHours:
    if worked_on > timezone.localdate():
        raise ValidationError({"worked_on": "Hours cannot be logged for a future date."})
    return validated_save(
        VolunteerHours(
            volunteer=volunteer,
            worked_on=worked_on,
            kind=kind,
            hours=Decimal(hours),
            circle=circle,
            note=note,
        )
    )
