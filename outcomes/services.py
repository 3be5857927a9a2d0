"""Outcomes after referral: recalls, reconvictions and follow-up checks.

- ``outcome_record``: a recall to prison or a reconviction of a Core Member, told to the
  coordinator by the police or probation.
- ``follow_up_record``: the 12- or 24-month check, with an agency, of whether anything
  happened. Follow-up counts from the circle's launch, as the outcome report's cohorts
  do: the check for ``months`` is due ``FollowUpCheck.DAYS[months]`` days after the
  launch, once the circle has ended.

The outcome report (reports.queries.outcomes) counts both.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateField
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Agency, User
from circles.models import Circle
from coreMembers.models import CoreMember
from cosa.services import service, validated_save
from outcomes.models import FollowUpCheck, OutcomeEvent


def _require_staff(user):
    if user is None or not user.is_active or not user.is_case_staff:
        raise ValidationError("Only a coordinator or a manager records outcomes.")


def _day(value):
    return date_format(value, "j F Y")


def events_counted_between(core_member_id, first, last):
    """The Core Member's events placed (offence date, else event date) in [first, last]."""
    return (
        OutcomeEvent.objects.filter(core_member_id=core_member_id)
        .annotate(counted=Coalesce("offence_on", "occurred_on", output_field=DateField()))
        .filter(counted__gte=first, counted__lte=last)
    )


@service
@transaction.atomic
def outcome_record(
    *,
    core_member: CoreMember,
    acting_user: User,
    kind: str,
    occurred_on: datetime.date,
    source_agency: Agency,
    offence_type: str = "",
    offence_on: datetime.date | None = None,
    circle: Circle | None = None,
    note: str = "",
) -> OutcomeEvent:
    """Record a recall or a reconviction.

    Without a ``circle``, the event is linked to the Core Member's circle that had
    launched by the day it counts from (the latest such), so the end-of-circle and
    outcome pages find it; with none, it stays unlinked.
    """
    _require_staff(acting_user)
    offence_type = offence_type or ""
    if kind not in OutcomeEvent.Kind.values:
        raise ValidationError({"kind": "Choose a recall or a reconviction."})
    if occurred_on is None:
        raise ValidationError({"occurred_on": "Give the date."})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "This date cannot be in the future."})
    if kind == OutcomeEvent.Kind.RECONVICTION:
        if offence_type not in OutcomeEvent.OffenceType.values:
            raise ValidationError({"offence_type": "Choose the type of offence reconvicted."})
        if offence_on is not None and offence_on > occurred_on:
            raise ValidationError({"offence_on": "The offence cannot be after the conviction."})
    else:
        if offence_type:
            raise ValidationError({"offence_type": "A recall has no offence type."})
        if offence_on is not None:
            raise ValidationError(
                {"offence_on": "A recall has no offence date: record a reconviction for it."}
            )
    counted_on = offence_on or occurred_on
    if circle is not None:
        if circle.core_member_id != core_member.pk:
            raise ValidationError({"circle": "That circle is not this Core Member's."})
        if circle.launched_on is None or circle.launched_on > counted_on:
            raise ValidationError({"circle": "That circle had not launched by then."})
    else:
        circle = (
            core_member.circles.filter(launched_on__isnull=False, launched_on__lte=counted_on)
            .order_by("-launched_on", "-pk")
            .first()
        )
    if OutcomeEvent.objects.filter(
        core_member=core_member, kind=kind, occurred_on=occurred_on
    ).exists():
        raise ValidationError(
            {"occurred_on": f"A {kind.lower()} on {_day(occurred_on)} is already recorded."}
        )
    return validated_save(
        OutcomeEvent(
            core_member=core_member,
            circle=circle,
            kind=kind,
            offence_type=offence_type,
            occurred_on=occurred_on,
            offence_on=offence_on,
            source_agency=source_agency,
            note=(note or "").strip(),
            recorded_by=acting_user,
        )
    )


def follow_up_due_on(circle: Circle, months: int) -> datetime.date | None:
    return FollowUpCheck.due_on_for(circle, months)


@service
@transaction.atomic
def follow_up_record(
    *,
    circle: Circle,
    acting_user: User,
    months: int,
    checked_on: datetime.date,
    checked_with: Agency,
    nothing_found: bool,
    note: str = "",
) -> FollowUpCheck:
    """Record the 12- or 24-month follow-up check of an ended circle."""
    _require_staff(acting_user)
    note = (note or "").strip()
    if months not in FollowUpCheck.DAYS:
        raise ValidationError({"months": "Follow-up is at 12 or 24 months."})
    if circle.status != Circle.Status.ENDED or circle.launched_on is None:
        raise ValidationError(
            {"circle": "Follow-up is recorded for a circle that launched and has ended."}
        )
    due_on = follow_up_due_on(circle, months)
    if checked_on is None:
        raise ValidationError({"checked_on": "Give the date of the check."})
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": "The check cannot be in the future."})
    if checked_on < due_on:
        raise ValidationError(
            {
                "checked_on": f"The {months}-month follow-up is due from {_day(due_on)}, "
                f"{FollowUpCheck.DAYS[months]} days after the launch."
            }
        )
    if circle.follow_up_checks.filter(months=months).exists():
        raise ValidationError(
            {"months": f"The {months}-month follow-up of this circle is already recorded."}
        )
    if nothing_found:
        found = events_counted_between(circle.core_member_id, circle.launched_on, due_on)
        if found.exists():
            raise ValidationError(
                {
                    "nothing_found": "A recall or reconviction is recorded for this Core "
                    f"Member between the launch and {_day(due_on)}: say what was found."
                }
            )
    elif not note:
        raise ValidationError(
            {"note": "Say what the check found (and record each recall or reconviction)."}
        )
    return validated_save(
        FollowUpCheck(
            circle=circle,
            months=months,
            checked_on=checked_on,
            checked_with=checked_with,
            nothing_found=bool(nothing_found),
            note=note,
            recorded_by=acting_user,
        )
    )


def follow_up_status(circle: Circle, today: datetime.date | None = None) -> list[dict]:
    """For each follow-up period: its due date, the check if recorded, and whether due."""
    today = today or timezone.localdate()
    checks = {check.months: check for check in circle.follow_up_checks.all()}
    rows = []
    for months in FollowUpCheck.DAYS:
        due_on = follow_up_due_on(circle, months)
        rows.append(
            {
                "months": months,
                "due_on": due_on,
                "check": checks.get(months),
                "due": (
                    circle.status == Circle.Status.ENDED
                    and due_on is not None
                    and due_on <= today
                    and months not in checks
                ),
            }
        )
    return rows
