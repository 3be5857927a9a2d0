"""Writes: hours credited from reviewed minutes, expense claims, debriefs, supervision
following circles handed to another coordinator."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify
from circles.models import Circle, CircleMembership, Concern, MeetingNote, Reminder
from cosa.services import service, transition, validated_save
from volunteering.access import may_decide, may_pay, may_record_debrief, may_set_mileage_rate
from volunteering.models import ExpenseClaim, MileageRate, SupervisionDebrief, mileage_amount
from volunteers import services as volunteer_services
from volunteers.models import Volunteer, VolunteerHours

# Hours ------------------------------------------------------------------------------------


@service
@transaction.atomic
def hours_credit_from_minutes(*, note: MeetingNote, acting_user: User) -> list[VolunteerHours]:
    """Give each volunteer present the meeting's duration, once per volunteer and meeting.

    Reviewing again, or a retried request, finds the rows already there and adds none
    (the unique constraint on volunteer and meeting stands behind the lookup).
    """
    if note.status != MeetingNote.Status.REVIEWED:
        raise ValidationError("Hours are credited from reviewed minutes only.")
    meeting = note.meeting
    minutes = note.duration_minutes or meeting.duration_minutes
    if not minutes:
        return []
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    worked_on = timezone.localdate(meeting.starts_at)
    present = list(note.volunteers_present.all())
    already = set(
        VolunteerHours.objects.filter(meeting=meeting, volunteer__in=present).values_list(
            "volunteer_id", flat=True
        )
    )
    created = []
    for volunteer in present:
        if volunteer.pk in already:
            continue
        created.append(
            validated_save(
                VolunteerHours(
                    volunteer=volunteer,
                    meeting=meeting,
                    circle_id=meeting.circle_id,
                    worked_on=worked_on,
                    kind=VolunteerHours.Kind.MEETING,
                    hours=min(hours, Decimal("24")),
                    note="From the reviewed minutes",
                )
            )
        )
    return created


def hours_credit_from_minutes_signal(sender, note, acting_user, **kwargs):
    hours_credit_from_minutes(note=note, acting_user=acting_user)


# Expense claims -----------------------------------------------------------------------------


def mileage_rate(on: datetime.date | None = None) -> int:
    """Pence per mile in force on ``on`` (today by default), as a manager set it; before
    any rate was set, the deployment's default (COSA_MILEAGE_PENCE_PER_MILE)."""
    rate = MileageRate.objects.in_force_on(on or timezone.localdate())
    return rate.pence_per_mile if rate is not None else settings.COSA_MILEAGE_PENCE_PER_MILE


@service
@transaction.atomic
def mileage_rate_set(
    *, pence_per_mile: int, effective_from: datetime.date, acting_user: User
) -> MileageRate:
    """A manager sets the rate from a date on. The same rate sent twice for the same day
    is the one already set; a different rate for a day already set is refused (the
    history is kept: set a rate from another day instead). Claims already submitted keep
    the rate they were paid at."""
    if not may_set_mileage_rate(acting_user):
        raise ValidationError("Only a manager sets the mileage rate.")
    # One setter at a time: two managers on the same day do not both pass the check.
    User.objects.select_for_update().filter(pk=acting_user.pk).count()
    existing = MileageRate.objects.filter(effective_from=effective_from).first()
    if existing is not None:
        if existing.pence_per_mile == pence_per_mile:
            return existing
        raise ValidationError(
            {
                "effective_from": f"A rate of {existing.pence_per_mile}p is already set from "
                f"{effective_from:%-d %B %Y}. Choose another date for the new rate."
            }
        )
    return validated_save(
        MileageRate(
            pence_per_mile=pence_per_mile, effective_from=effective_from, set_by=acting_user
        )
    )


@service
@transaction.atomic
def claim_submit(
    *,
    volunteer: Volunteer,
    acting_user: User,
    circle: Circle,
    kind: str,
    incurred_on: datetime.date,
    description: str,
    miles: Decimal | None = None,
    amount: Decimal | None = None,
    receipt=None,
) -> ExpenseClaim:
    """A volunteer claims for an expense of one of their circles."""
    if volunteer.user_id != acting_user.pk:
        raise ValidationError("Volunteers submit their own claims.")
    if incurred_on > timezone.localdate():
        raise ValidationError({"incurred_on": "The date cannot be in the future."})
    if not volunteer.memberships.filter(circle=circle).exists():
        raise ValidationError({"circle": "Claim only for a circle you are or were in."})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what the expense was for."})
    claim = ExpenseClaim(
        volunteer=volunteer,
        circle=circle,
        kind=kind,
        incurred_on=incurred_on,
        description=description,
    )
    if kind == ExpenseClaim.Kind.MILEAGE:
        if not miles or miles <= 0:
            raise ValidationError({"miles": "Enter the miles driven."})
        claim.miles = miles
        claim.pence_per_mile = mileage_rate(incurred_on)
        claim.amount = mileage_amount(miles, claim.pence_per_mile)
    elif kind == ExpenseClaim.Kind.RECEIPT:
        if not amount or amount <= 0:
            raise ValidationError({"amount": "Enter the amount on the receipt."})
        if not receipt:
            raise ValidationError({"receipt": "Upload the receipt."})
        claim.amount = amount
        claim.receipt = receipt
    else:
        raise ValidationError({"kind": "Choose mileage or a receipt."})
    # The same claim sent again from a second tab (its own one-time token) is refused,
    # so one expense is not paid twice; a refused claim may be made again.
    same = ExpenseClaim.objects.filter(
        volunteer=volunteer, circle=circle, kind=kind, incurred_on=incurred_on
    ).exclude(status=ExpenseClaim.Status.REFUSED)
    if same.filter(amount=claim.amount, description__iexact=description).exists():
        raise ValidationError("You have already claimed this expense: see My expenses.")
    validated_save(claim)
    if circle.coordinator_id:
        notify(
            recipient=circle.coordinator,
            subject="CoSA: an expense claim to decide",
            link=reverse("volunteering:claim_detail", args=[claim.pk]),
            body="A volunteer has submitted an expense claim.",
        )
    return claim


@service
@transaction.atomic
def claim_decide(
    *, claim: ExpenseClaim, acting_user: User, approve: bool, reason: str = ""
) -> ExpenseClaim:
    """Approve, or refuse with a reason; a claim is decided once."""
    claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
    if not may_decide(acting_user, claim):
        raise ValidationError("Only the volunteer's coordinator or a manager decides a claim.")
    if claim.volunteer.user_id == acting_user.pk:
        raise ValidationError("Nobody decides their own claim.")
    if claim.status != ExpenseClaim.Status.SUBMITTED:
        raise ValidationError(f"This claim was already {claim.get_status_display().lower()}.")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Say why the claim is refused."})
    transition(claim, ExpenseClaim.Status.APPROVED if approve else ExpenseClaim.Status.REFUSED)
    claim.decided_by = acting_user
    claim.decided_at = timezone.now()
    claim.refusal_reason = "" if approve else reason
    validated_save(claim, update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    notify(
        recipient=claim.volunteer.user,
        subject=f"CoSA: your expense claim was {claim.get_status_display().lower()}",
        link=reverse("volunteering:claim_detail", args=[claim.pk]),
        body="Your coordinator has decided your expense claim.",
    )
    return claim


@service
@transaction.atomic
def claims_pay(*, acting_user: User) -> list[ExpenseClaim]:
    """Mark every approved, unpaid claim paid and return them for the payment file.

    Claimed by a conditional update: a second run at once (a double click) finds none
    left to pay and exports nothing twice.
    """
    if not may_pay(acting_user):
        raise ValidationError("Only a manager runs the payment export.")
    now = timezone.now()
    ids = list(ExpenseClaim.objects.payable().select_for_update().values_list("pk", flat=True))
    ExpenseClaim.objects.filter(pk__in=ids, status=ExpenseClaim.Status.APPROVED).update(
        status=ExpenseClaim.Status.PAID, paid_at=now, paid_by=acting_user
    )
    return list(
        ExpenseClaim.objects.filter(pk__in=ids, paid_at=now)
        .for_list()
        .order_by("volunteer__user__last_name", "incurred_on", "pk")
    )


# Debriefs after a RED concern ----------------------------------------------------------------


@service
@transaction.atomic
def debriefs_offer(*, concern: Concern, acting_user: User) -> list[SupervisionDebrief]:
    """Offer every current volunteer of the concern's circle a debrief, once per concern."""
    if concern.severity != Concern.Severity.RED:
        return []
    circle = concern.circle
    volunteers = Volunteer.objects.filter(
        memberships__circle=circle, memberships__left_on__isnull=True
    ).distinct()
    offered = set(
        SupervisionDebrief.objects.filter(concern=concern).values_list("volunteer_id", flat=True)
    )
    created = [
        validated_save(SupervisionDebrief(volunteer=v, concern=concern, circle=circle))
        for v in volunteers
        if v.pk not in offered
    ]
    # No notification of its own: the coordinator is already alerted to the RED concern
    # once, and the offers wait on the supervision page until each debrief is held.
    return created


def debriefs_offer_signal(sender, concern, acting_user, **kwargs):
    if concern.severity == Concern.Severity.RED:
        debriefs_offer(concern=concern, acting_user=acting_user)


@service
@transaction.atomic
def debrief_record(
    *, debrief: SupervisionDebrief, held_on: datetime.date, acting_user: User
) -> SupervisionDebrief:
    if not may_record_debrief(acting_user, debrief):
        raise ValidationError("Only the circle's coordinator records a debrief.")
    if debrief.held_on is not None:
        raise ValidationError("This debrief is already recorded.")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "The debrief cannot be in the future."})
    debrief.held_on = held_on
    debrief.held_by = acting_user
    return validated_save(debrief, update_fields=["held_on", "held_by"])


# Supervision following circles handed to another coordinator ---------------------------------


def volunteers_following_circles(*, coordinator: User, circle_ids) -> list[int]:
    """The one rule for whose supervision follows circles handed on by ``coordinator``.

    Each current volunteer of the handed-on circles that are open follows them, unless
    still in another open circle ``coordinator`` coordinates: then ``coordinator`` still
    supervises them, and nothing of theirs moves. Read after the move, so the handed-on
    circles are no longer ``coordinator``'s. A volunteer held back by one handover of a
    caseload follows when their last circle with ``coordinator`` is handed on.
    """
    current = CircleMembership.objects.current().filter(circle__status__in=Circle.OPEN_STATUSES)
    still_theirs = current.filter(circle__coordinator=coordinator).values("volunteer_id")
    return sorted(
        set(
            current.filter(circle_id__in=list(circle_ids))
            .exclude(volunteer_id__in=still_theirs)
            .values_list("volunteer_id", flat=True)
        )
    )


@service
@transaction.atomic
def supervision_follow_circles(
    *, coordinator: User, to: User, circle_ids, acting_user: User
) -> list[int]:
    """The volunteers of the circles handed on (``volunteers_following_circles``) are now
    ``to``'s to supervise, whichever path handed the circles on.

    Who supervises, the next supervision due (reminded to the circles' coordinator) and
    the pending debriefs (reached through their circle) follow the circles by
    themselves; what does not is moved here: the notes ``coordinator`` holds on these
    volunteers, and the supervision reminders still waiting to go to ``coordinator``
    (closed as not needed: the next sweep owes them to ``to``). Returns the volunteers.
    """
    volunteer_ids = volunteers_following_circles(coordinator=coordinator, circle_ids=circle_ids)
    volunteer_services.supervision_hand_over(
        volunteer_ids=volunteer_ids, coordinator=coordinator, to=to, acting_user=acting_user
    )
    Reminder.objects.unsent().filter(
        kind=Reminder.Kind.SUPERVISION_DUE, recipient=coordinator, object_id__in=volunteer_ids
    ).update(sent_at=timezone.now(), skipped_reason="supervision handed to another coordinator")
    return volunteer_ids


def supervision_follow_circles_signal(sender, coordinator, to, circle_ids, acting_user, **kwargs):
    supervision_follow_circles(
        coordinator=coordinator, to=to, circle_ids=circle_ids, acting_user=acting_user
    )
