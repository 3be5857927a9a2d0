"""Writes for the volunteer pool: the volunteer path, vetting, training, hours."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from cosa.districts import parse_districts
from cosa.services import service, transition, validated_save
from volunteers.access import can_change_volunteers, can_set_availability
from volunteers.models import (
    AVAILABILITY_ALL,
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    Volunteer,
    VolunteerDistrict,
    VolunteerHours,
)


@service
@transaction.atomic
def volunteer_apply(
    *, user: User, applied_on: datetime.date | None = None, acting_user: User | None = None
) -> Volunteer:
    if not user.is_volunteer:
        raise ValidationError({"user": "Only a volunteer account can join the pool."})
    return validated_save(Volunteer(user=user, applied_on=applied_on or timezone.localdate()))


@service
@transaction.atomic
def volunteer_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    postcode_area: str = "",
    applied_on: datetime.date | None = None,
    acting_user: User | None = None,
) -> Volunteer:
    """A new applicant: their (volunteer) account and their place in the pool, APPLIED.

    The account has no usable password until one is set through the password
    reset e-mail, so nobody can log in as the applicant before they do.
    """
    applied_on = applied_on or timezone.localdate()
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": "The application date cannot be in the future."})
    user = user_create(
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=User.Role.VOLUNTEER,
        phone=phone,
        acting_user=acting_user,
    )
    volunteer = Volunteer(
        user=user,
        applied_on=applied_on,
        postcode_area=postcode_area.strip().upper(),
    )
    return validated_save(volunteer)


def activation_problems(volunteer: Volunteer, on: datetime.date | None = None) -> list[str]:
    """What stops ``volunteer`` being ACTIVE on ``on``: each missing condition, named."""
    on = on or timezone.localdate()
    problems = []
    if not volunteer.training.filter(course=TrainingRecord.Course.INITIAL).exists():
        problems.append("Record the initial training before activating.")
    if not volunteer.dbs_checks.filter(issued_on__lte=on, recheck_due_on__gt=on).exists():
        problems.append("Record a current DBS check before activating.")
    return problems


@service
@transaction.atomic
def volunteer_move(
    *,
    volunteer: Volunteer,
    to: str,
    acting_user: User | None = None,
    on: datetime.date | None = None,
    reason: str = "",
) -> Volunteer:
    """Move along applied → vetting → training → active ⇄ paused → left.

    Becoming (or coming back) ACTIVE needs the initial training and a DBS check
    current on the day; every missing condition is named in the refusal.
    """
    on = on or timezone.localdate()
    legal = to in Volunteer.TRANSITIONS.get(volunteer.status, set())
    if legal and to == Volunteer.Status.ACTIVE:
        problems = activation_problems(volunteer, on)
        if problems:
            raise ValidationError({"status": problems})
    if legal and to == Volunteer.Status.LEFT and not reason.strip():
        raise ValidationError({"exit_reason": "Give a reason for leaving."})
    if legal and to == Volunteer.Status.LEFT and volunteer.memberships.current().exists():
        # Circle memberships are the circles app's rows (it sits above the pool):
        # circles.services.volunteer_leave ends them, then calls this.
        raise ValidationError(
            {"status": "This volunteer is still in a circle: end their memberships first."}
        )
    transition(volunteer, to)
    if to == Volunteer.Status.ACTIVE and volunteer.started_on is None:
        volunteer.started_on = on
    if to == Volunteer.Status.LEFT:
        volunteer.left_on = on
        volunteer.exit_reason = reason.strip()
    return validated_save(volunteer)


@service
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


@service
@transaction.atomic
def reference_record(
    *,
    volunteer: Volunteer,
    referee_name: str,
    relationship: str,
    requested_on: datetime.date,
    received_on: datetime.date | None = None,
    satisfactory: bool | None = None,
    notes: str = "",
    acting_user: User | None = None,
) -> Reference:
    _check_reference_dates(requested_on=requested_on, received_on=received_on)
    _check_reference_outcome(received_on=received_on, satisfactory=satisfactory)
    return validated_save(
        Reference(
            volunteer=volunteer,
            referee_name=referee_name,
            relationship=relationship,
            requested_on=requested_on,
            received_on=received_on,
            satisfactory=satisfactory,
            notes=notes,
        )
    )


@service
@transaction.atomic
def reference_receive(
    *,
    reference: Reference,
    received_on: datetime.date | None,
    satisfactory: bool | None,
    notes: str = "",
    acting_user: User | None = None,
) -> Reference:
    """Record that a requested reference came back, and whether it was satisfactory."""
    _check_reference_dates(requested_on=reference.requested_on, received_on=received_on)
    _check_reference_outcome(received_on=received_on, satisfactory=satisfactory)
    reference.received_on = received_on
    reference.satisfactory = satisfactory
    reference.notes = notes
    return validated_save(reference, update_fields=["received_on", "satisfactory", "notes"])


def _check_reference_dates(*, requested_on, received_on):
    today = timezone.localdate()
    if requested_on > today:
        raise ValidationError({"requested_on": "A reference cannot be requested in the future."})
    if received_on is not None and received_on > today:
        raise ValidationError({"received_on": "A reference cannot be received in the future."})
    if received_on is not None and received_on < requested_on:
        raise ValidationError(
            {"received_on": "A reference cannot come back before it was requested."}
        )


def _check_reference_outcome(*, received_on, satisfactory):
    if satisfactory is not None and received_on is None:
        raise ValidationError(
            {"satisfactory": "Record when the reference came back before judging it."}
        )


@service
@transaction.atomic
def training_record(
    *,
    volunteer: Volunteer,
    course: str,
    completed_on: datetime.date,
    notes: str = "",
    hours: Decimal | None = None,
    renews_on: datetime.date | None = None,
    acting_user: User | None = None,
) -> TrainingRecord:
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "Training cannot be completed in the future."})
    if renews_on is not None and renews_on <= completed_on:
        raise ValidationError({"renews_on": "The renewal must be after the completion date."})
    record = TrainingRecord(
        volunteer=volunteer,
        course=course,
        completed_on=completed_on,
        notes=notes,
        hours=hours,
        renews_on=renews_on,
    )
    years = TrainingRecord.RENEWAL_YEARS.get(course)
    if record.renews_on is None and years:
        record.renews_on = completed_on + relativedelta(years=years)
    return validated_save(record)


@service
@transaction.atomic
def supervision_record(
    *, volunteer: Volunteer, held_on: datetime.date, notes: str, acting_user: User
) -> SupervisionSession:
    if not can_change_volunteers(acting_user):
        raise ValidationError("Only a coordinator or manager records supervision.")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "Supervision cannot be recorded for a future date."})
    return validated_save(
        SupervisionSession(
            volunteer=volunteer, coordinator=acting_user, held_on=held_on, notes=notes
        )
    )


@service
@transaction.atomic
def supervision_hand_over(
    *, volunteer_ids, coordinator: User, to: User, acting_user: User
) -> list[SupervisionSession]:
    """Hand the supervision of these volunteers from ``coordinator`` to ``to``: the notes
    ``coordinator`` holds on them become ``to``'s to read. Who held each session stays.
    One save per session, so each move has a history row naming ``acting_user``."""
    if acting_user is None or not acting_user.is_manager or not acting_user.is_active:
        raise ValidationError("Only a manager hands over a coordinator's supervision.")
    if not to.is_active or not to.is_coordinator:
        raise ValidationError({"to": "Supervision is handed to an active coordinator."})
    moved = []
    for session in SupervisionSession.objects.filter(
        supervisor=coordinator, volunteer_id__in=list(volunteer_ids)
    ).order_by("pk"):
        session.supervisor = to
        moved.append(validated_save(session, update_fields=["supervisor"]))
    return moved


@service
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
    if circle is not None and not volunteer.memberships.filter(circle=circle).exists():
        raise ValidationError({"circle": "Log hours only against a circle you are or were in."})
    if volunteer.left_on is not None and worked_on > volunteer.left_on:
        raise ValidationError({"worked_on": "Hours cannot be logged after leaving the pool."})
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


# The matching profile ----------------------------------------------------------------


def _set_districts(volunteer, kind, districts):
    """Make ``volunteer``'s districts of ``kind`` exactly ``districts`` (one row each).

    Rows are created and deleted one by one, not in bulk, so that each change has its
    history row (bulk writes send no signals).
    """
    held = {d.district: d for d in volunteer.districts.filter(kind=kind)}
    for district, row in held.items():
        if district not in districts:
            row.delete()
    for district in districts:
        if district not in held:
            validated_save(VolunteerDistrict(volunteer=volunteer, kind=kind, district=district))


def _check_availability(availability):
    if not isinstance(availability, int) or not 0 <= availability <= AVAILABILITY_ALL:
        raise ValidationError({"availability": "Choose parts of the week from the grid."})


@service
@transaction.atomic
def volunteer_availability_set(
    *,
    volunteer: Volunteer,
    availability: int,
    travel_districts: str | list,
    acting_user: User,
) -> Volunteer:
    """When a volunteer is free and where they can travel to: the volunteer or staff."""
    if not can_set_availability(acting_user, volunteer):
        raise ValidationError("Only the volunteer or a coordinator changes their availability.")
    _check_availability(availability)
    try:
        travel = parse_districts(travel_districts)
    except ValidationError as error:
        raise ValidationError({"travel_districts": error.messages}) from error
    volunteer.availability = availability
    validated_save(volunteer, update_fields=["availability"])
    _set_districts(volunteer, VolunteerDistrict.Kind.TRAVEL, travel)
    return volunteer


@service
@transaction.atomic
def volunteer_profile_set(
    *,
    volunteer: Volunteer,
    acting_user: User,
    availability: int,
    travel_districts: str | list,
    postcode_area: str = "",
    gender: str = "",
    skills: str = "",
    languages: str = "",
    conflict_districts: str | list = "",
    conflict_people: str = "",
) -> Volunteer:
    """The whole matching profile, conflicts included: coordinators and managers only."""
    if not can_change_volunteers(acting_user):
        raise ValidationError("Only a coordinator or manager changes a volunteer's profile.")
    errors = {}
    try:
        home = parse_districts(postcode_area)
    except ValidationError as error:
        errors["postcode_area"] = error.messages
        home = []
    if len(home) > 1:
        errors["postcode_area"] = ["Give the one district the volunteer lives in."]
    try:
        conflicts = parse_districts(conflict_districts)
    except ValidationError as error:
        errors["conflict_districts"] = error.messages
    if errors:
        raise ValidationError(errors)
    volunteer.postcode_area = home[0] if home else ""
    volunteer.gender = gender
    volunteer.skills = skills.strip()
    volunteer.languages = languages.strip()
    volunteer.conflict_people = conflict_people.strip()
    validated_save(
        volunteer,
        update_fields=["postcode_area", "gender", "skills", "languages", "conflict_people"],
    )
    _set_districts(volunteer, VolunteerDistrict.Kind.CONFLICT, conflicts)
    return volunteer_availability_set(
        volunteer=volunteer,
        availability=availability,
        travel_districts=travel_districts,
        acting_user=acting_user,
    )
