"""Who covers a circle right now: a deputy, the on-call person, or its coordinator.

Cover is one concept for every app that asks "who should see this now" (concern
escalation here, minutes review later). A deputy's cover gives them the covered
coordinator's circle permissions for its dates, through services only; the sweep
(``cover_sweep``) starts due cover and ends expired cover, and running it twice
changes nothing. Deactivating someone ends the cover they give or take.
"""

import copy
import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.grants import grant, revoke
from accounts.models import User
from circles.models import Circle, Cover, OnCallShift, SafeguardingContact
from cosa.services import service, validated_save
from formpages import versions

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The covered coordinator's circle permissions (circles.services.COORDINATOR_CIRCLE_PERMS;
# repeated here so that services can import this module).
COVER_CIRCLE_PERMS = ("view_circle", "change_circle", "view_briefing")


def _local_day(moment):
    return timezone.localtime(moment, LONDON).date()


def in_working_hours(moment) -> bool:
    local = timezone.localtime(moment, LONDON)
    return (
        local.isoweekday() in settings.COSA_WORKING_DAYS
        and settings.COSA_WORKING_HOURS_START <= local.hour < settings.COSA_WORKING_HOURS_END
    )


def on_call_at(moment) -> OnCallShift | None:
    """The live shift at ``moment`` whose staff member is still active (the latest start)."""
    return (
        OnCallShift.objects.at(moment)
        .filter(staff__is_active=True)
        .select_related("staff")
        .order_by("-starts_at", "-pk")
        .first()
    )


def active_cover(coordinator_id, day) -> Cover | None:
    return (
        Cover.objects.active_on(day)
        .filter(coordinator_id=coordinator_id, deputy__is_active=True)
        .select_related("deputy")
        .order_by("-starts_on", "-pk")
        .first()
    )


def who_covers(circle: Circle, *, at=None, out_of_hours_rota=True) -> User:
    """The person answering for ``circle`` at ``at``: the deputy while a cover is
    active, the on-call person out of hours (when ``out_of_hours_rota``), otherwise the
    coordinator."""
    at = at or timezone.now()
    cover = active_cover(circle.coordinator_id, _local_day(at))
    if cover is not None:
        return cover.deputy
    if out_of_hours_rota and not in_working_hours(at):
        shift = on_call_at(at)
        if shift is not None:
            return shift.staff
    return circle.coordinator


def out_of_hours_phone(at=None) -> str:
    shift = on_call_at(at or timezone.now())
    return shift.phone if shift is not None else settings.COSA_OUT_OF_HOURS_PHONE


# Grants -------------------------------------------------------------------------------


def _covered_circles(cover):
    return Circle.objects.filter(coordinator_id=cover.coordinator_id).exclude(
        status=Circle.Status.ENDED
    )


def _grant_cover(cover):
    for circle in _covered_circles(cover):
        grant(cover.deputy, circle, *COVER_CIRCLE_PERMS)


def _revoke_cover(cover, day):
    """Take back what this cover gave, keeping what the deputy holds on other grounds:
    circles they coordinate, or another cover of the same coordinator still running."""
    still_covering = (
        Cover.objects.active_on(day)
        .exclude(pk=cover.pk)
        .filter(
            deputy_id=cover.deputy_id, coordinator_id=cover.coordinator_id, started_at__isnull=False
        )
        .exists()
    )
    if still_covering:
        return
    for circle in Circle.objects.filter(coordinator_id=cover.coordinator_id).exclude(
        coordinator_id=cover.deputy_id
    ):
        revoke(cover.deputy, circle, *COVER_CIRCLE_PERMS)


def _start(cover, now):
    _grant_cover(cover)
    if cover.started_at is None:
        cover.started_at = now
        cover.save(update_fields=["started_at"])


def _end(cover, now):
    if cover.started_at is not None:
        _revoke_cover(cover, _local_day(now))
    cover.ended_at = now
    cover.save(update_fields=["ended_at"])


# Services -----------------------------------------------------------------------------


def _require_staff(user, field):
    if user is None or not user.is_active or not user.is_case_staff:
        raise ValidationError({field: "Choose an active coordinator or manager."})


def _day(day):
    return f"{day:%-d %b %Y}"


def _moment(moment):
    return f"{timezone.localtime(moment, LONDON):%a %-d %b %Y, %H:%M}"


def _check_cover(cover, now):
    """What creating and changing cover both refuse, before anything is written."""
    _require_staff(cover.deputy if cover.deputy_id else None, "deputy")
    if cover.ends_on is not None and cover.ends_on < _local_day(now):
        raise ValidationError({"ends_on": "Cover cannot end in the past."})
    cover.full_clean()
    # Two covers of one coordinator on the same day would leave "who covers" to chance.
    clash = (
        Cover.objects.overlapping(cover.starts_on, cover.ends_on)
        .filter(coordinator_id=cover.coordinator_id)
        .exclude(pk=cover.pk)
        .select_related("deputy")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_on": (
                    f"{clash.deputy.get_full_name()} already covers these dates "
                    f"({_day(clash.starts_on)} to {_day(clash.ends_on)}): "
                    "change that cover instead, or choose other dates."
                )
            }
        )


@service
@transaction.atomic
def cover_create(
    *,
    coordinator: User,
    deputy: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
    acting_user: User,
    now=None,
) -> Cover:
    now = now or timezone.now()
    _require_staff(coordinator, "coordinator")
    cover = Cover(
        coordinator=coordinator,
        deputy=deputy,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=acting_user,
        created_at=now,
    )
    _check_cover(cover, now)
    validated_save(cover)
    if cover.is_active_on(_local_day(now)):
        _start(cover, now)
    return cover


@service
@transaction.atomic
def cover_change(
    *,
    cover: Cover,
    deputy: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
    version: int | None = None,
    acting_user: User,
    now=None,
) -> Cover:
    """Move a cover's dates or change its deputy, keeping the grants true to the new dates.

    A running cover whose new dates no longer include today, or whose deputy changes,
    gives its grants back (and a new deputy gets them while the cover runs); a planned
    cover moved to include today starts now. The covered coordinator stays: cover for
    someone else is new cover.
    """
    now = now or timezone.now()
    today = _local_day(now)
    cover = Cover.objects.select_for_update().get(pk=cover.pk)
    if cover.is_closed(now):
        raise ValidationError(Cover.CLOSED_TEXT)
    before = copy.copy(cover)
    cover.deputy = deputy
    cover.starts_on = starts_on
    cover.ends_on = ends_on
    cover.reason = (reason or "").strip()
    _check_cover(cover, now)
    versions.advance(cover, version)
    if before.started_at is not None:
        # Taken back from the deputy as they were; given again below if still due.
        _revoke_cover(before, today)
    if cover.is_active_on(today):
        # A cover still running keeps the moment it started.
        cover.started_at = before.started_at
        validated_save(cover)
        _start(cover, now)
    else:
        cover.started_at = None
        validated_save(cover)
    return cover


@service
@transaction.atomic
def cover_end(*, cover: Cover, acting_user: User, now=None) -> Cover:
    """End (or cancel) a cover now; ending it twice changes nothing."""
    cover = Cover.objects.select_for_update().get(pk=cover.pk)
    if cover.ended_at is None:
        _end(cover, now or timezone.now())
    return cover


@transaction.atomic
def cover_sweep(*, now=None) -> dict:
    """Start cover due today and end cover that has run out; idempotent."""
    now = now or timezone.now()
    today = _local_day(now)
    started = ended = 0
    for cover in Cover.objects.active_on(today).select_for_update(skip_locked=True):
        # A started cover is granted again: a circle the coordinator took on meanwhile.
        if cover.started_at is None:
            started += 1
        _start(cover, now)
    for cover in Cover.objects.live().filter(ends_on__lt=today).select_for_update(skip_locked=True):
        _end(cover, now)
        ended += 1
    return {"started": started, "ended": ended}


def _check_shift(shift):
    """What adding and changing a shift both refuse, before anything is written."""
    _require_staff(shift.staff if shift.staff_id else None, "staff")
    shift.phone = (shift.phone or "").strip()
    if not shift.phone:
        raise ValidationError({"phone": "Give the number to call."})
    shift.full_clean()
    # One person answers out of hours at a time: two shifts at once leave it to chance.
    clash = (
        OnCallShift.objects.overlapping(shift.starts_at, shift.ends_at)
        .exclude(pk=shift.pk)
        .select_related("staff")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": (
                    f"{clash.staff.get_full_name()} is on call from {_moment(clash.starts_at)} "
                    f"to {_moment(clash.ends_at)}: change that shift instead, or choose "
                    "other times."
                )
            }
        )


@service
@transaction.atomic
def shift_create(*, staff: User, phone: str, starts_at, ends_at, acting_user: User) -> OnCallShift:
    shift = OnCallShift(
        staff=staff,
        phone=phone,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=acting_user,
    )
    _check_shift(shift)
    return validated_save(shift)


@service
@transaction.atomic
def shift_change(
    *,
    shift: OnCallShift,
    staff: User,
    phone: str,
    starts_at,
    ends_at,
    version: int | None = None,
    acting_user: User,
    now=None,
) -> OnCallShift:
    """Move a shift or hand it to someone else. A shift carries no grants: who is on
    call is looked up at the moment it is needed, so the new times count at once."""
    now = now or timezone.now()
    shift = OnCallShift.objects.select_for_update().get(pk=shift.pk)
    if shift.is_closed(now):
        raise ValidationError(OnCallShift.CLOSED_TEXT)
    shift.staff = staff
    shift.phone = phone
    shift.starts_at = starts_at
    shift.ends_at = ends_at
    _check_shift(shift)
    if ends_at <= now:
        raise ValidationError({"ends_at": "A changed shift must still be to come or running."})
    versions.advance(shift, version)
    return validated_save(shift)


@service
@transaction.atomic
def shift_end(*, shift: OnCallShift, acting_user: User, now=None) -> OnCallShift:
    shift = OnCallShift.objects.select_for_update().get(pk=shift.pk)
    if shift.ended_at is None:
        shift.ended_at = now or timezone.now()
        shift.save(update_fields=["ended_at"])
    return shift


@transaction.atomic
def cover_end_for_user(*, user: User, now=None) -> None:
    """Someone deactivated (or leaving): every cover they give or take, and their
    shifts still to come or running, end now."""
    now = now or timezone.now()
    for cover in Cover.objects.live().filter(deputy=user) | Cover.objects.live().filter(
        coordinator=user
    ):
        _end(cover, now)
    OnCallShift.objects.live().filter(staff=user, ends_at__gt=now).update(ended_at=now)


# Numbers to call about a Core Member ----------------------------------------------------

PHONE_CHARACTERS = set("0123456789 +()-")


def _phone(phone: str) -> str:
    phone = " ".join((phone or "").split())
    digits = sum(ch.isdigit() for ch in phone)
    if not phone:
        raise ValidationError({"phone": "Give the number to call."})
    if set(phone) - PHONE_CHARACTERS or not 7 <= digits <= 15:
        raise ValidationError(
            {"phone": "Enter a phone number of 7 to 15 digits, such as 01632 960000."}
        )
    return phone


@service
@transaction.atomic
def safeguarding_contact_add(
    *, core_member, name: str, organisation: str, phone: str, acting_user: User
) -> SafeguardingContact:
    """A number to call about ``core_member`` who is not a user (a hostel's night
    manager, a police duty desk): shown to staff on his page and his concerns."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the name of the person or desk to call."})
    phone = _phone(phone)
    if SafeguardingContact.objects.filter(
        core_member=core_member, name__iexact=name, phone=phone
    ).exists():
        raise ValidationError({"name": f"{name} on {phone} is already listed."})
    return validated_save(
        SafeguardingContact(
            core_member=core_member,
            name=name,
            organisation=" ".join((organisation or "").split()),
            phone=phone,
            created_by=acting_user,
        )
    )


@service
@transaction.atomic
def safeguarding_contact_remove(*, contact: SafeguardingContact, acting_user: User) -> None:
    contact.delete()
