"""Writes for circles: forming, matching, covenant, launch, meetings, minutes, concerns."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.grants import circle_group, grant, revoke
from accounts.models import User
from accounts.notifications import notify
from circles import bank_holidays, scheduling
from circles.access import MinutesTaken, may_hand_over, may_review_in_circle, may_write_in_circle
from circles.models import (
    Circle,
    CircleMembership,
    Concern,
    ConcernAction,
    Covenant,
    Frequency,
    FrequencyChange,
    Meeting,
    MeetingNote,
    MeetingObservation,
    ReviewMilestone,
    minutes_due_expression,
)
from circles.signals import circles_handed_over, concern_raised, minutes_reviewed
from coreMembers.models import CoreMember, Referral
from coreMembers.services import core_member_assign_coordinator
from cosa.services import service, transition, validated_save
from formpages import drafts, versions
from volunteers import services as volunteer_services
from volunteers.models import Volunteer

COORDINATOR_CIRCLE_PERMS = ("view_circle", "change_circle", "view_briefing")
VOLUNTEER_CIRCLE_PERMS = ("view_circle", "view_briefing")
MIN_VOLUNTEERS_TO_LAUNCH = 3
MAX_VOLUNTEERS = 6
MEETINGS_AHEAD_DAYS = 35
MAX_LAUNCH_AHEAD_DAYS = 366


def _require_coordinator(user, field="coordinator"):
    if user is None or not user.is_coordinator or not user.is_active:
        raise ValidationError({field: "Choose an active coordinator."})


def _require_open(circle):
    if not circle.is_open:
        raise ValidationError("This circle has ended; it can no longer be changed.")


def _require_unique_name(coordinator, name, circle=None):
    """Refuse a second open circle of the same name (any case or spacing) for one coordinator.

    Two open "Thursday circle"s on one coordinator's list are mixed up: minutes, concerns
    and shares would be filed against the wrong Core Member. Ended circles do not count.
    """
    wanted = " ".join((name or "").split()).casefold()
    others = Circle.objects.open().filter(coordinator=coordinator)
    if circle is not None and circle.pk:
        others = others.exclude(pk=circle.pk)
    if any(" ".join(n.split()).casefold() == wanted for n in others.values_list("name", flat=True)):
        raise ValidationError(
            {
                "name": f"{coordinator.get_full_name() or coordinator} already has an open circle "
                f'called "{" ".join(name.split())}". Choose a name that tells them apart.'
            }
        )


# Forming and staffing -----------------------------------------------------------------


@service
@transaction.atomic
def circle_form(
    *,
    referral: Referral,
    coordinator: User,
    name: str,
    kind: str = Circle.Kind.COMMUNITY,
    acting_user: User | None = None,
    **pattern,
) -> Circle:
    """Form a circle from an accepted referral."""
    if referral.status != Referral.Status.ACCEPTED:
        raise ValidationError({"referral": "A circle is formed only from an accepted referral."})
    _require_coordinator(coordinator)
    _require_unique_name(coordinator, name)
    circle = Circle(
        core_member=referral.core_member,
        referral=referral,
        coordinator=coordinator,
        name=name,
        kind=kind,
        status_changed_on=timezone.localdate(),
        **pattern,
    )
    validated_save(circle, exclude=["volunteer_group"])
    circle_group(circle)
    grant(coordinator, circle, *COORDINATOR_CIRCLE_PERMS)
    if referral.core_member.coordinator_id != coordinator.pk:
        core_member_assign_coordinator(
            core_member=referral.core_member, coordinator=coordinator, acting_user=acting_user
        )
    return circle


def _circle_move_to(circle, coordinator):
    if circle.coordinator_id != coordinator.pk:
        revoke(circle.coordinator, circle, *COORDINATOR_CIRCLE_PERMS)
    circle.coordinator = coordinator
    circle.save(update_fields=["coordinator"])
    grant(coordinator, circle, *COORDINATOR_CIRCLE_PERMS)


def _circles_hand_over(circles, coordinator, acting_user):
    """Move ``circles`` to ``coordinator``: every path that hands a circle on comes here.

    The apps above are told once per coordinator handing over (``circles_handed_over``),
    after the circles are theirs no more, so that what follows the circles (the
    volunteers' supervision) is decided on the circles as they now stand.
    """
    handed = {}
    for circle in circles:
        previous = circle.coordinator
        _circle_move_to(circle, coordinator)
        if previous.pk != coordinator.pk:
            handed.setdefault(previous.pk, (previous, []))[1].append(circle.pk)
    for previous, circle_ids in handed.values():
        circles_handed_over.send(
            sender=Circle,
            coordinator=previous,
            to=coordinator,
            circle_ids=circle_ids,
            acting_user=acting_user,
        )


@service
@transaction.atomic
def coordinator_handover(
    *, core_member: CoreMember, coordinator: User, acting_user: User, circle: Circle | None = None
) -> CoreMember:
    """Hand a Core Member's case to another coordinator.

    The record, the open and accepted referrals and the open circle move together,
    whether the manager starts from the circle page or the Core Member's page, so that
    nobody keeps half a case. ``circle`` also moves a circle that has already ended
    (a handover started from that circle's page). A manager's act: the supervision of
    the open circle's volunteers follows it (``circles_handed_over``).
    """
    if not may_hand_over(acting_user):
        raise ValidationError("Only a manager hands a case to another coordinator.")
    _require_coordinator(coordinator)
    moving = list(core_member.circles.open().select_related("coordinator"))
    if circle is not None and circle.pk not in {open_circle.pk for open_circle in moving}:
        moving.append(circle)
    leaving = {core_member.coordinator_id, *(each.coordinator_id for each in moving)}
    core_member_assign_coordinator(
        core_member=core_member, coordinator=coordinator, acting_user=acting_user
    )
    # One save per referral (a Core Member has a handful), so each keeps its history.
    for referral in core_member.referrals.filter(
        status__in=[*Referral.OPEN_STATES, Referral.Status.ACCEPTED]
    ).exclude(coordinator=coordinator):
        referral.coordinator = coordinator
        referral.save(update_fields=["coordinator"])
    _circles_hand_over(moving, coordinator, acting_user)
    if circle is not None:
        circle.coordinator = coordinator
    # The coordinators handing over lose the case, and their unsent drafts about it.
    for previous in leaving - {None, coordinator.pk}:
        drafts.purge(author=previous, core_member_id=core_member.pk)
    return core_member


@dataclass(frozen=True)
class Caseload:
    """What a coordinator holds: what a reassignment moves, listed for its confirmation."""

    core_members: list
    circles: list
    referrals: list

    @property
    def is_empty(self):
        return not (self.core_members or self.circles or self.referrals)


def caseload_of(coordinator: User) -> Caseload:
    """The coordinator's Core Members, circles (open and ended) and undecided or accepted
    referrals: three queries, whatever the size of the caseload."""
    return Caseload(
        core_members=list(CoreMember.objects.filter(coordinator=coordinator).order_by("reference")),
        circles=list(
            Circle.objects.filter(coordinator=coordinator)
            .select_related("core_member")
            .order_by("status", "name", "pk")
        ),
        referrals=list(
            Referral.objects.filter(coordinator=coordinator)
            .exclude(status__in=Referral.CLOSED_STATES)
            .select_related("core_member")
            .order_by("received_on", "pk")
        ),
    )


@service
@transaction.atomic
def caseload_reassign(*, coordinator: User, to: User, acting_user: User) -> Caseload:
    """Move a (departing) coordinator's whole caseload to another coordinator at once.

    Each Core Member goes through ``coordinator_handover`` (record, open referrals, open
    circle, grants and drafts together); then the circles and referrals left over (ended
    circles; a referral for a Core Member someone else coordinates). All or nothing, in
    one transaction; every moved row gets a history row naming the manager.
    The supervision of the circles' volunteers follows each move (``circles_handed_over``:
    the notes become the new coordinator's to read; each session still names who held
    it), so nothing is moved twice.
    """
    if not may_hand_over(acting_user):
        raise ValidationError("Only a manager reassigns a caseload.")
    _require_coordinator(to, field="to")
    if to.pk == coordinator.pk:
        raise ValidationError({"to": "Choose a different coordinator to take the caseload."})
    # Serialise two managers moving the same caseload.
    User.objects.select_for_update().filter(pk__in=[coordinator.pk, to.pk]).count()
    caseload = caseload_of(coordinator)
    for core_member in caseload.core_members:
        coordinator_handover(core_member=core_member, coordinator=to, acting_user=acting_user)
    _circles_hand_over(
        Circle.objects.filter(coordinator=coordinator).select_related("coordinator"),
        to,
        acting_user,
    )
    from coreMembers.services import referral_assign

    for referral in (
        Referral.objects.filter(coordinator=coordinator)
        .exclude(status__in=Referral.CLOSED_STATES)
        .select_related("core_member__coordinator")
    ):
        referral_assign(referral=referral, coordinator=to, acting_user=acting_user)
    return caseload


@service
def circle_change_coordinator(*, circle: Circle, coordinator: User, acting_user: User) -> Circle:
    """The handover started from the circle page (see ``coordinator_handover``)."""
    coordinator_handover(
        core_member=circle.core_member,
        coordinator=coordinator,
        acting_user=acting_user,
        circle=circle,
    )
    return circle


@service
@transaction.atomic
def membership_add(
    *,
    circle: Circle,
    volunteer: Volunteer,
    role: str = CircleMembership.Role.VOLUNTEER,
    joined_on: datetime.date | None = None,
    acting_user: User | None = None,
) -> CircleMembership:
    if not circle.is_open:
        raise ValidationError({"circle": "This circle has ended."})
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise ValidationError({"volunteer": "Only an active volunteer can join a circle."})
    if circle.memberships.current().count() >= MAX_VOLUNTEERS:
        raise ValidationError({"volunteer": f"A circle has at most {MAX_VOLUNTEERS} volunteers."})
    _require_not_excluded(circle, [volunteer])
    membership = validated_save(
        CircleMembership(
            circle=circle,
            volunteer=volunteer,
            role=role,
            joined_on=joined_on or timezone.localdate(),
        )
    )
    circle_group(circle).user_set.add(volunteer.user)
    grant(circle.volunteer_group, circle, *VOLUNTEER_CIRCLE_PERMS)
    recount_circles([volunteer.pk])
    return membership


def recount_circles(volunteer_ids=None):
    """Set each volunteer's ``circle_count`` to the circles they hold now (all volunteers
    when ``volunteer_ids`` is None). A recount, not an increment, so it is right however
    often it runs; every service that adds or ends a membership calls it."""
    current = (
        CircleMembership.objects.filter(volunteer=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("volunteer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    volunteers = Volunteer.objects.all()
    if volunteer_ids is not None:
        volunteers = volunteers.filter(pk__in=volunteer_ids)
    volunteers.update(circle_count=Coalesce(Subquery(current), 0))


EXCLUDED = "excluded: lives in or declared a conflict with an exclusion area"


def _require_not_excluded(circle, volunteers):
    """Refuse volunteers living in or conflicting with one of the Core Member's exclusion
    areas. The refusal never names the area: the coordinator sees it on the pool."""
    districts = circle.core_member.exclusion_districts
    if not districts:
        return
    excluded = set(
        Volunteer.objects.filter(pk__in=[v.pk for v in volunteers])
        .excluded_by(districts)
        .values_list("pk", flat=True)
    )
    if excluded:
        raise ValidationError(
            {"volunteer": [f"{v} is {EXCLUDED}." for v in volunteers if v.pk in excluded]}
        )


@service
@transaction.atomic
def memberships_add(
    *,
    circle: Circle,
    volunteer_ids: list[int],
    primary_id: int | None = None,
    acting_user: User,
) -> list[CircleMembership]:
    """Add several volunteers at once: all of them or, with any refusal, none.

    Every problem is named in one refusal (who is not in the pool, already in the
    circle, not active, excluded; too many for the circle), so the coordinator fixes
    the ticks once.
    """
    if not circle.is_open:
        raise ValidationError({"circle": "This circle has ended."})
    # Two coordinators adding at once must not take the circle past its limit together.
    Circle.objects.select_for_update().filter(pk=circle.pk).first()
    if not volunteer_ids:
        raise ValidationError({"volunteers": "Tick at least one volunteer to add."})
    if len(set(volunteer_ids)) != len(volunteer_ids):
        raise ValidationError({"volunteers": "Each volunteer can be added once."})
    if primary_id is not None and primary_id not in volunteer_ids:
        raise ValidationError({"primary": "The primary volunteer must be one of those added."})
    found = {v.pk: v for v in Volunteer.objects.select_related("user").filter(pk__in=volunteer_ids)}
    if len(found) != len(volunteer_ids):
        raise ValidationError({"volunteers": "No such volunteer."})
    volunteers = [found[pk] for pk in volunteer_ids]
    current = circle.memberships.current()
    members = set(current.values_list("volunteer_id", flat=True))
    problems = [f"{v} is already in this circle." for v in volunteers if v.pk in members]
    problems += [
        f"{v} is not active. Only an active volunteer can join a circle."
        for v in volunteers
        if v.status != Volunteer.Status.ACTIVE
    ]
    held = len(members)
    if held + len(volunteers) > MAX_VOLUNTEERS:
        room = MAX_VOLUNTEERS - held
        problems.append(
            f"A circle has at most {MAX_VOLUNTEERS} volunteers. It has {held}, "
            f"so add at most {room}."
        )
    if primary_id is not None and current.filter(role=CircleMembership.Role.PRIMARY).exists():
        problems.append("This circle already has a primary volunteer.")
    if problems:
        raise ValidationError({"volunteers": problems})
    _require_not_excluded(circle, volunteers)
    return [
        membership_add(
            circle=circle,
            volunteer=volunteer,
            role=CircleMembership.Role.PRIMARY
            if volunteer.pk == primary_id
            else CircleMembership.Role.VOLUNTEER,
            acting_user=acting_user,
        )
        for volunteer in volunteers
    ]


@service
@transaction.atomic
def membership_end(
    *,
    membership: CircleMembership,
    acting_user: User | None = None,
    left_on: datetime.date | None = None,
    reason: str = "",
) -> CircleMembership:
    """A volunteer leaves a circle and loses access to it on the next request."""
    if membership.left_on is not None:
        raise ValidationError({"left_on": "This volunteer has already left the circle."})
    membership.left_on = left_on or timezone.localdate()
    membership.leaving_reason = reason
    validated_save(membership, update_fields=["left_on", "leaving_reason"])
    recount_circles([membership.volunteer_id])
    group = circle_group(membership.circle)
    group.user_set.remove(membership.volunteer.user)
    drafts.purge(author=membership.volunteer.user_id, circle_id=membership.circle_id)
    return membership


@service
@transaction.atomic
def volunteer_leave(
    *,
    volunteer: Volunteer,
    reason: str,
    acting_user: User | None = None,
    on: datetime.date | None = None,
) -> Volunteer:
    """A volunteer leaves the pool: every current circle membership ends, then their status.

    It lives here, not in the pool's services, because the memberships and their access
    grants are this app's rows; the pool's own move refuses LEFT while any is current.
    """
    if not reason.strip():
        raise ValidationError({"exit_reason": "Give a reason for leaving."})
    for membership in volunteer.memberships.current().select_related("circle", "volunteer__user"):
        membership_end(
            membership=membership, acting_user=acting_user, left_on=on, reason="Left the pool"
        )
    return volunteer_services.volunteer_move(
        volunteer=volunteer,
        to=Volunteer.Status.LEFT,
        reason=reason,
        acting_user=acting_user,
        on=on,
    )


@service
@transaction.atomic
def covenant_agree(
    *,
    circle: Circle,
    goals: str,
    frequency: str,
    agreed_on: datetime.date | None = None,
    acting_user: User | None = None,
    version: int | None = None,
) -> Covenant:
    """Record a new covenant version. A change of frequency reschedules future meetings.

    ``version`` is the covenant version the coordinator started from (0 for none): if
    another was agreed meanwhile, StaleEdit, so that neither text is lost.
    """
    _require_open(circle)
    if not goals.strip():
        raise ValidationError({"goals": "Write the circle's goals."})
    Circle.objects.select_for_update().filter(pk=circle.pk).first()
    last = circle.covenants.order_by("-version").first()
    if version not in (None, "") and int(version) != (last.version if last else 0):
        raise versions.StaleEdit(last)
    covenant = validated_save(
        Covenant(
            circle=circle,
            version=(last.version + 1) if last else 1,
            goals=goals.strip(),
            frequency=frequency,
            agreed_on=agreed_on or timezone.localdate(),
            recorded_by=acting_user,
        )
    )
    if circle.frequency != frequency:
        circle_set_pattern(
            circle=circle, frequency=frequency, acting_user=acting_user, from_date=agreed_on
        )
    return covenant


@service
@transaction.atomic
def circle_set_pattern(
    *,
    circle: Circle,
    acting_user: User | None = None,
    from_date=None,
    review: ReviewMilestone | None = None,
    **pattern,
) -> Circle:
    """Change weekday, time, venue, frequency or duration; only future unheld meetings move.

    A running circle's new frequency joins its frequency history (with the review that
    decided it, when one did).
    """
    allowed = {"weekday", "meeting_time", "venue", "frequency", "duration_minutes"}
    unknown = set(pattern) - allowed
    if unknown:
        raise ValidationError(f"Unknown pattern fields: {', '.join(sorted(unknown))}.")
    old_frequency = circle.frequency
    for field, value in pattern.items():
        setattr(circle, field, value)
    circle.pattern_starts_on = max(from_date or timezone.localdate(), timezone.localdate())
    validated_save(circle)
    if circle.status in (Circle.Status.ACTIVE, Circle.Status.STEP_DOWN):
        if circle.frequency != old_frequency:
            validated_save(
                FrequencyChange(
                    circle=circle,
                    frequency=circle.frequency,
                    from_date=circle.pattern_starts_on,
                    review=review,
                    decided_by=acting_user,
                )
            )
        # Meetings before the new pattern starts keep the old one.
        pattern_starts_at = scheduling.local_to_utc(circle.pattern_starts_on, datetime.time.min)
        circle.meetings.filter(
            kind=Meeting.Kind.GROUP,
            status=Meeting.Status.SCHEDULED,
            starts_at__gte=max(timezone.now(), pattern_starts_at),
            notes__isnull=True,
        ).delete()
        meetings_generate(circle=circle)
    return circle


# Launch and lifecycle -------------------------------------------------------------------


def volunteers_ready_to_launch(circle: Circle, on=None):
    """Current members with a current DBS check and completed initial training."""
    return (
        Volunteer.objects.filter(memberships__circle=circle, memberships__left_on__isnull=True)
        .vetted(on)
        .distinct()
    )


def circle_launch_blockers(circle: Circle, on=None) -> list[str]:
    """Every unmet launch condition, named so the coordinator knows what to do."""
    blockers = []
    if circle.status != Circle.Status.FORMING:
        blockers.append("Only a forming circle can be launched.")
    blockers += [
        condition.problem for condition in launch_checklist(circle, on) if not condition.met
    ]
    return blockers


@dataclass(frozen=True)
class LaunchCondition:
    label: str
    met: bool
    problem: str


def launch_checklist(circle: Circle, on=None) -> list[LaunchCondition]:
    """Each launch condition, met or not: the checklist on the circle page."""
    on = on or timezone.localdate()
    agreement = circle.core_member.sharing_agreements.current(on).exists()
    ready = volunteers_ready_to_launch(circle, on).count()
    covenant = circle.covenants.exists()
    return [
        LaunchCondition(
            "The Core Member has a current information-sharing agreement",
            agreement,
            "The Core Member has no current information-sharing agreement.",
        ),
        LaunchCondition(
            f"At least {MIN_VOLUNTEERS_TO_LAUNCH} matched volunteers have a current DBS check "
            f"and completed training ({ready} now)",
            ready >= MIN_VOLUNTEERS_TO_LAUNCH,
            f"At least {MIN_VOLUNTEERS_TO_LAUNCH} matched volunteers need a current DBS check "
            f"and completed training; {ready} do.",
        ),
        LaunchCondition("A covenant is agreed", covenant, "No covenant has been agreed."),
        LaunchCondition(
            "The meeting pattern has a venue",
            bool(circle.venue),
            "The meeting pattern has no venue.",
        ),
    ]


@service
@transaction.atomic
def circle_launch(
    *,
    circle: Circle,
    acting_user: User,
    launched_on: datetime.date | None = None,
    first_meeting_on: datetime.date | None = None,
) -> Circle:
    """Launch: schedule meetings ahead and the review milestones (3/6/9/12, or to 18).

    The launch date may be in the future (a circle agreed now that starts next month).
    The first meeting is the first day on or after the launch on the circle's weekday,
    unless the coordinator names another date on that weekday.
    """
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    launched_on = launched_on or timezone.localdate()
    if launched_on > timezone.localdate() + datetime.timedelta(days=MAX_LAUNCH_AHEAD_DAYS):
        raise ValidationError({"launched_on": "Launch within a year from today."})
    first_meeting_on = first_meeting_on or scheduling.first_on_or_after(launched_on, circle.weekday)
    if first_meeting_on < launched_on:
        raise ValidationError({"first_meeting_on": "The first meeting is on or after the launch."})
    if first_meeting_on.weekday() != circle.weekday:
        raise ValidationError(
            {
                "first_meeting_on": f"The circle meets on {circle.get_weekday_display()}s: "
                "choose one, or change the meeting pattern first."
            }
        )
    # The conditions hold at the moment of launching, even when the date is backdated.
    blockers = circle_launch_blockers(circle)
    if blockers:
        raise ValidationError(blockers, code="launch_blocked")
    transition(circle, Circle.Status.ACTIVE)
    circle.launched_on = launched_on
    circle.status_changed_on = launched_on
    circle.pattern_starts_on = first_meeting_on
    circle.planned_end_on = circle.planned_end_for(launched_on)
    validated_save(circle)
    validated_save(
        FrequencyChange(
            circle=circle,
            frequency=circle.frequency,
            from_date=first_meeting_on,
            decided_by=acting_user,
        )
    )
    core_member = circle.core_member
    transition(core_member, CoreMember.Status.IN_CIRCLE)
    core_member.save(update_fields=["status"])
    for months, due_on in scheduling.review_due_dates(launched_on, circle.length_months):
        ReviewMilestone.objects.create(circle=circle, kind=f"M{months}", due_on=due_on)
    meetings_generate(circle=circle)
    return circle


@service
@transaction.atomic
def circle_step_down(
    *, circle: Circle, acting_user: User, on: datetime.date | None = None
) -> Circle:
    """Step down from full activity; ``on`` is the day it began (a review's date)."""
    transition(circle, Circle.Status.STEP_DOWN)
    circle.status_changed_on = on or timezone.localdate()
    circle.save(update_fields=["status", "status_changed_on"])
    return circle


@service
@transaction.atomic
def circle_resume(*, circle: Circle, acting_user: User) -> Circle:
    """Back from stepping down to full activity."""
    if circle.status != Circle.Status.STEP_DOWN:
        raise ValidationError({"status": "Only a stepping-down circle can resume."})
    transition(circle, Circle.Status.ACTIVE)
    circle.status_changed_on = timezone.localdate()
    circle.save(update_fields=["status", "status_changed_on"])
    return circle


@service
@transaction.atomic
def circle_end(
    *,
    circle: Circle,
    reason: str,
    acting_user: User,
    outcome_notes: str = "",
    ended_on: datetime.date | None = None,
) -> Circle:
    """End with a reason and an outcome; future meetings are cancelled, members leave."""
    if reason not in Circle.EndReason.values:
        raise ValidationError({"end_reason": "Choose why the circle ended."})
    ended_on = ended_on or timezone.localdate()
    transition(circle, Circle.Status.ENDED)
    circle.ended_on = ended_on
    circle.status_changed_on = ended_on
    circle.end_reason = reason
    circle.outcome_notes = outcome_notes
    validated_save(circle)
    # Reviews not yet held will never be: they read as cancelled, not as due in the future.
    for milestone in circle.milestones.filter(completed_on__isnull=True, cancelled_on__isnull=True):
        milestone.cancelled_on = ended_on
        validated_save(milestone, update_fields=["cancelled_on"])
    circle.meetings.filter(status=Meeting.Status.SCHEDULED, starts_at__gte=timezone.now()).update(
        status=Meeting.Status.CANCELLED, cancelled_reason="Circle ended"
    )
    for membership in circle.memberships.current():
        membership_end(membership=membership, acting_user=acting_user, left_on=ended_on)
    core_member = circle.core_member
    if core_member.status == CoreMember.Status.IN_CIRCLE:
        transition(core_member, CoreMember.Status.ENDED)
        core_member.save(update_fields=["status"])
    return circle


# Meetings --------------------------------------------------------------------------------


@transaction.atomic
def meetings_generate(*, circle: Circle, until: datetime.date | None = None) -> int:
    """Create the circle's group meetings ahead; existing slots (even cancelled) stay."""
    if circle.status not in (Circle.Status.ACTIVE, Circle.Status.STEP_DOWN):
        return 0
    today = timezone.localdate()
    until = until or today + datetime.timedelta(days=MEETINGS_AHEAD_DAYS)
    if circle.planned_end_on:
        until = min(until, circle.planned_end_on)
    # The rhythm counts from the pattern's start, not from the day generation runs:
    # a fortnightly circle keeps its fortnights whichever day the sweep runs on.
    anchor = circle.pattern_starts_on or circle.launched_on
    now = timezone.now()
    wanted = [
        starts_at
        for starts_at in scheduling.slots(
            anchor=anchor,
            weekday=circle.weekday,
            at=circle.meeting_time,
            frequency=circle.frequency,
            until=until,
        )
        if starts_at >= now
    ]
    existing = set(
        circle.meetings.filter(kind=Meeting.Kind.GROUP, starts_at__in=wanted).values_list(
            "starts_at", flat=True
        )
    )
    # A meeting moved off its slot keeps the slot taken: the pattern does not bring it back.
    existing |= set(
        circle.meetings.filter(kind=Meeting.Kind.GROUP, moved_from__in=wanted).values_list(
            "moved_from", flat=True
        )
    )
    new = [
        Meeting(
            circle=circle,
            starts_at=starts_at,
            duration_minutes=circle.duration_minutes,
            venue=circle.venue,
        )
        for starts_at in wanted
        if starts_at not in existing
    ]
    Meeting.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@service
@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, acting_user: User) -> Meeting:
    """Cancel one meeting with a reason; it stays on the schedule, marked cancelled, and
    the circle's current volunteers are told (a link, no details)."""
    if not reason.strip():
        raise ValidationError({"cancelled_reason": "Give a reason for cancelling."})
    # Wait for anyone else changing it, then act on what is stored now.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    meeting.refresh_from_db()
    transition(meeting, Meeting.Status.CANCELLED)
    meeting.cancelled_reason = reason.strip()
    meeting.cancelled_at = timezone.now()
    meeting.cancelled_by = acting_user
    validated_save(
        meeting, update_fields=["status", "cancelled_reason", "cancelled_at", "cancelled_by"]
    )
    _tell_volunteers(meeting, "CoSA: a meeting of your circle is cancelled")
    return meeting


@service
@transaction.atomic
def meeting_mark(*, meeting: Meeting, status: str, acting_user: User) -> Meeting:
    if (
        status in (Meeting.Status.HELD, Meeting.Status.MISSED)
        and meeting.starts_at > timezone.now()
    ):
        raise ValidationError({"status": "A meeting in the future cannot be held or missed yet."})
    transition(meeting, status)
    # full_clean: marking it cancelled without a reason is refused in words, not by the database.
    return validated_save(meeting, update_fields=["status"])


@service
@transaction.atomic
def meeting_log_contact(
    *,
    circle: Circle,
    kind: str,
    starts_at: datetime.datetime,
    acting_user: User,
    duration_minutes: int = 30,
    venue: str = "",
) -> Meeting:
    """Record an unscheduled one-to-one, phone contact or emergency meeting request.

    An emergency meeting request tells the coordinator at once.
    """
    if kind == Meeting.Kind.GROUP:
        raise ValidationError({"kind": "Group meetings come from the circle's pattern."})
    _check_circle_writer(circle, acting_user, timezone.localdate(starts_at))
    if not circle.is_open:
        raise ValidationError("This circle has ended.")
    status = Meeting.Status.SCHEDULED if starts_at > timezone.now() else Meeting.Status.HELD
    meeting = validated_save(
        Meeting(
            circle=circle,
            kind=kind,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            venue=venue,
            status=status,
            requested_by=acting_user,
        )
    )
    if kind == Meeting.Kind.EMERGENCY:
        notify(
            recipient=circle.coordinator,
            subject="CoSA: an emergency meeting has been requested",
            link=reverse("circles:dashboard"),
            body="A volunteer has asked for an emergency circle meeting. Please look today.",
        )
    return meeting


# Minutes ---------------------------------------------------------------------------------

NOTE_FIELDS = (
    "attendance",
    "absence_reason",
    "duration_minutes",
    "summary",
    *MeetingNote.RISK_FIELDS,
)


def _check_circle_writer(circle, acting_user, on=None):
    if not acting_user.is_active:
        raise ValidationError("This account is deactivated.")
    if not may_write_in_circle(acting_user, circle, on):
        raise ValidationError("Only this circle's volunteers and coordinator can write here.")


def _check_note_writer(note, acting_user):
    if note.author_id != acting_user.pk:
        raise MinutesTaken(note)
    if not note.is_editable:
        raise ValidationError("Reviewed minutes are read-only.")


@service
@transaction.atomic
def note_save(
    *,
    meeting: Meeting,
    acting_user: User,
    volunteers_present=(),
    submit: bool = False,
    version: int | None = None,
    **fields,
) -> MeetingNote:
    """Create or update the one set of minutes for a meeting; optionally submit it.

    Writers of one meeting's minutes queue on the meeting's row: of two volunteers
    starting them at once, the second finds the first's and gets MinutesTaken (their
    text stays on their page). ``version`` is the minutes' version the edit began at.
    """
    unknown = set(fields) - set(NOTE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if meeting.starts_at > timezone.now():
        raise ValidationError("Minutes can be written once the meeting has started.")
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled.")
    _check_circle_writer(meeting.circle, acting_user, timezone.localdate(meeting.starts_at))
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    note = MeetingNote.objects.select_for_update().filter(meeting=meeting).first()
    if note is None:
        note = MeetingNote(meeting=meeting, author=acting_user)
    else:
        _check_note_writer(note, acting_user)
        versions.advance(note, version)
    for field, value in fields.items():
        setattr(note, field, value)
    if note.attendance != MeetingNote.Attendance.NO:
        note.absence_reason = ""
    if submit and note.status == MeetingNote.Status.DRAFT:
        transition(note, MeetingNote.Status.SUBMITTED)
        note.submitted_at = timezone.now()
    validated_save(note)
    present = list(volunteers_present)
    members = set(
        meeting.circle.memberships.filter(volunteer__in=present).values_list(
            "volunteer_id", flat=True
        )
    )
    strangers = [v for v in present if v.pk not in members]
    if strangers:
        raise ValidationError(
            {"volunteers_present": "Only the circle's volunteers can be present."}
        )
    note.volunteers_present.set(present)
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = (
            Meeting.Status.HELD
            if note.attendance != MeetingNote.Attendance.NO
            else Meeting.Status.MISSED
        )
        meeting.save(update_fields=["status"])
    return note


@service
@transaction.atomic
def note_review(*, note: MeetingNote, acting_user: User, comment: str = "") -> MeetingNote:
    """Mark submitted minutes reviewed; the comment is shown to the circle's volunteers."""
    if not may_review_in_circle(acting_user, note.meeting.circle):
        raise ValidationError("Only the circle's coordinator reviews minutes.")
    transition(note, MeetingNote.Status.REVIEWED)
    note.reviewed_by = acting_user
    note.reviewed_at = timezone.now()
    note.review_comment = comment.strip()
    validated_save(note, update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    minutes_reviewed.send(sender=MeetingNote, note=note, acting_user=acting_user)
    return note


@service
@transaction.atomic
def observation_add(*, note: MeetingNote, acting_user: User, text: str) -> MeetingObservation:
    """Another volunteer's own observation on the minutes, until they are reviewed."""
    if not acting_user.is_volunteer:
        raise ValidationError("Observations come from the circle's volunteers.")
    _check_circle_writer(note.meeting.circle, acting_user)
    if not note.is_editable:
        raise ValidationError("Reviewed minutes are read-only.")
    if not text.strip():
        raise ValidationError({"text": "Write your observation."})
    return validated_save(MeetingObservation(note=note, author=acting_user, text=text.strip()))


def notes_submitted_late(notes):
    """Minutes submitted after they were due (reports count these)."""
    return notes.alias(due_at=minutes_due_expression("meeting__")).filter(
        submitted_at__gt=F("due_at")
    )


# Concerns --------------------------------------------------------------------------------


def _check_concern_raiser(circle, acting_user, meeting=None):
    if acting_user.is_active and acting_user.is_manager:
        return
    on = timezone.localdate(meeting.starts_at) if meeting is not None else None
    _check_circle_writer(circle, acting_user, on)


@service
@transaction.atomic
def concern_raise(
    *,
    circle: Circle,
    acting_user: User,
    category: str,
    severity: str,
    description: str,
    imminent_risk: bool = False,
    meeting: Meeting | None = None,
) -> Concern:
    """Raise a concern. RED or imminent risk tells the circle's coordinator at once, by a
    detail-free alert that only links to the concern."""
    if meeting is not None and meeting.circle_id != circle.pk:
        raise ValidationError({"meeting": "That meeting belongs to another circle."})
    _check_concern_raiser(circle, acting_user, meeting)
    if not description.strip():
        raise ValidationError({"description": "Say what worries you."})
    concern = validated_save(
        Concern(
            circle=circle,
            meeting=meeting,
            raised_by=acting_user,
            category=category,
            severity=severity,
            imminent_risk=imminent_risk,
            description=description.strip(),
        )
    )
    if concern.needs_immediate_attention and circle.coordinator_id != acting_user.pk:
        notify(
            recipient=circle.coordinator,
            subject="CoSA: an urgent concern needs you now",
            link=reverse("circles:concern_detail", args=[circle.pk, concern.pk]),
            body="An urgent concern has been raised in one of your circles.",
        )
    concern_raised.send(sender=Concern, concern=concern, acting_user=acting_user)
    return concern


def _check_concern_triager(concern, acting_user):
    if not may_review_in_circle(acting_user, concern.circle):
        raise ValidationError("Only the circle's coordinator triages concerns.")


@service
@transaction.atomic
def note_record(
    *,
    meeting: Meeting,
    acting_user: User,
    volunteers_present=(),
    submit: bool = False,
    concern: dict | None = None,
    **fields,
) -> tuple[MeetingNote, Concern | None]:
    """Save (or submit) the minutes and, if asked, raise a concern from the same meeting.

    One transaction: a refused concern leaves the minutes as they were, and the other
    way round.
    """
    note = note_save(
        meeting=meeting,
        acting_user=acting_user,
        volunteers_present=volunteers_present,
        submit=submit,
        **fields,
    )
    raised = None
    if concern:
        raised = concern_raise(
            circle=meeting.circle, meeting=meeting, acting_user=acting_user, **concern
        )
    return note, raised


@service
@transaction.atomic
def emergency_meeting_request(
    *,
    circle: Circle,
    starts_at: datetime.datetime,
    venue: str,
    acting_user: User,
    concern: dict | None = None,
) -> tuple[Meeting, Concern | None]:
    """A volunteer asks for an emergency meeting, with the concern behind it if they say.

    One transaction: no meeting request without the concern that was asked to go with it.
    """
    meeting = meeting_log_contact(
        circle=circle,
        kind=Meeting.Kind.EMERGENCY,
        starts_at=starts_at,
        duration_minutes=circle.duration_minutes,
        venue=venue.strip(),
        acting_user=acting_user,
    )
    raised = None
    if concern:
        raised = concern_raise(circle=circle, meeting=meeting, acting_user=acting_user, **concern)
    return meeting, raised


@service
@transaction.atomic
def concern_triage(*, concern: Concern, acting_user: User, notes: str = "") -> Concern:
    _check_concern_triager(concern, acting_user)
    transition(concern, Concern.Status.TRIAGED)
    concern.triaged_by = acting_user
    concern.triaged_at = timezone.now()
    concern.triage_notes = notes.strip()
    validated_save(concern, update_fields=["status", "triaged_by", "triaged_at", "triage_notes"])
    _concern_alerts_read(concern, acting_user)
    return concern


def _concern_alerts_read(concern, acting_user):
    """Everyone's unread alerts about a concern are read once someone has triaged it."""
    from accounts.notifications import notifications_about_read

    link = reverse("circles:concern_detail", args=[concern.circle_id, concern.pk])
    notifications_about_read(link=link, acting_user=acting_user)


@service
@transaction.atomic
def concern_action_record(
    *,
    concern: Concern,
    acting_user: User,
    kind: str,
    outcome: str,
    acted_at: datetime.datetime | None = None,
) -> ConcernAction:
    """Append one entry to a concern's safeguarding action log (never edited)."""
    _check_concern_triager(concern, acting_user)
    if not (outcome or "").strip():
        raise ValidationError({"outcome": "Say what came of it."})
    now = timezone.now()
    acted_at = acted_at or now
    if acted_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"acted_at": "An action cannot be in the future."})
    if acted_at < concern.raised_at - datetime.timedelta(minutes=5):
        raise ValidationError({"acted_at": "That is before the concern was raised."})
    return validated_save(
        ConcernAction(
            concern=concern,
            kind=kind,
            acted_at=acted_at,
            acted_by=acting_user,
            outcome=outcome.strip(),
        )
    )


@service
@transaction.atomic
def concern_close(*, concern: Concern, acting_user: User, reason: str) -> Concern:
    _check_concern_triager(concern, acting_user)
    if not reason.strip():
        raise ValidationError({"closed_reason": "Give a reason for closing the concern."})
    transition(concern, Concern.Status.CLOSED)
    concern.closed_reason = reason.strip()
    if concern.triaged_at is None:
        concern.triaged_by = acting_user
        concern.triaged_at = timezone.now()
    validated_save(concern)
    _concern_alerts_read(concern, acting_user)
    return concern


@service
@transaction.atomic
def concern_mark_shared(*, concern: Concern, record, acting_user: User) -> Concern:
    if not record.is_shared:
        raise ValidationError({"shared_record": "The record has not been shared yet."})
    if concern.status == Concern.Status.SHARED and concern.shared_record_id == record.pk:
        return concern  # already done (record_share marks its source concern shared)
    transition(concern, Concern.Status.SHARED)
    concern.shared_record = record
    return validated_save(concern, update_fields=["status", "shared_record"])


# Reviews -----------------------------------------------------------------------------------


@service
@transaction.atomic
def review_record(
    *,
    milestone: ReviewMilestone,
    decision: str,
    attendees: str,
    progress_notes: str,
    acting_user: User,
    completed_on: datetime.date | None = None,
) -> ReviewMilestone:
    if milestone.cancelled_on is not None:
        raise ValidationError("This review was cancelled when the circle ended.")
    if milestone.completed_on is not None:
        raise ValidationError({"completed_on": "This review has already been recorded."})
    if decision not in ReviewMilestone.Decision.values:
        raise ValidationError({"decision": "Choose continue, step down or end."})
    milestone.decision = decision
    milestone.attendees = attendees
    milestone.progress_notes = progress_notes
    milestone.completed_on = completed_on or timezone.localdate()
    milestone.completed_by = acting_user
    validated_save(milestone)
    circle = milestone.circle
    if decision == ReviewMilestone.Decision.STEP_DOWN and circle.status == Circle.Status.ACTIVE:
        circle_step_down(circle=circle, acting_user=acting_user, on=milestone.completed_on)
    return milestone


# The coordinator's circle page ------------------------------------------------------------


@service
@transaction.atomic
def circle_change_pattern(
    *, circle: Circle, acting_user: User, version: int | None = None, **pattern
) -> tuple[Circle, Covenant | None]:
    """Change the meeting pattern from the circle page.

    The covenant names the meeting frequency, and is re-agreed whenever the frequency
    changes (DESIGN §1): a new frequency records a new covenant version with the same
    goals, which the coordinator can then edit. Returns the circle and that new version.
    """
    _require_open(circle)
    versions.advance(circle, version)
    old_frequency = circle.frequency
    circle_set_pattern(circle=circle, acting_user=acting_user, **pattern)
    covenant = None
    if circle.frequency != old_frequency:
        last = circle.covenants.order_by("-version").first()
        if last is not None:
            covenant = covenant_agree(
                circle=circle, goals=last.goals, frequency=circle.frequency, acting_user=acting_user
            )
    return circle, covenant


@service
@transaction.atomic
def review_conclude(
    *,
    milestone: ReviewMilestone,
    decision: str,
    attendees: str,
    progress_notes: str,
    acting_user: User,
    completed_on: datetime.date | None = None,
    end_reason: str = "",
    outcome_notes: str = "",
    step_down: dict | None = None,
) -> ReviewMilestone:
    """Record a review and carry out its decision: continue, step down, or end the circle.

    Ending needs the reason and the outcome that ``circle_end`` records; the circle ends
    on the review date. Stepping down needs what ``circle_taper`` asks for (``step_down``:
    frequency, from_date, planned_end_on, next_review_on).
    """
    circle = milestone.circle
    _require_open(circle)
    if decision == ReviewMilestone.Decision.STEP_DOWN and not step_down:
        raise ValidationError({"frequency": "Choose how often the circle will meet."})
    if decision == ReviewMilestone.Decision.END:
        if end_reason not in Circle.EndReason.values:
            raise ValidationError({"end_reason": "Choose why the circle is ending."})
        if not outcome_notes.strip():
            raise ValidationError({"outcome_notes": "Record the outcome of the circle."})
    milestone = review_record(
        milestone=milestone,
        decision=decision,
        attendees=attendees.strip(),
        progress_notes=progress_notes.strip(),
        acting_user=acting_user,
        completed_on=completed_on,
    )
    if decision == ReviewMilestone.Decision.END:
        circle_end(
            circle=circle,
            reason=end_reason,
            outcome_notes=outcome_notes.strip(),
            ended_on=milestone.completed_on,
            acting_user=acting_user,
        )
    if decision == ReviewMilestone.Decision.STEP_DOWN:
        circle_taper(
            circle=circle,
            review=milestone,
            decided_on=milestone.completed_on,
            acting_user=acting_user,
            **step_down,
        )
    return milestone


# Tapering and single meetings --------------------------------------------------------------

# Weekly → fortnightly → monthly (DESIGN §1): a step-down meets less often than now.
TAPER_ORDER = (Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY)
# Meetings the coordinator adds one at a time; group meetings come from the pattern.
ONE_OFF_KINDS = (Meeting.Kind.ONE_TO_ONE, Meeting.Kind.REVIEW, Meeting.Kind.EMERGENCY)
RUNNING = (Circle.Status.ACTIVE, Circle.Status.STEP_DOWN)


def _tell_volunteers(meeting, subject):
    """One alert per current volunteer about a change to a meeting: a link, no details."""
    circle = meeting.circle
    link = reverse("circles:meetings", args=[circle.pk])
    for membership in circle.memberships.current().select_related("volunteer__user"):
        notify(
            recipient=membership.volunteer.user,
            subject=subject,
            link=link,
            body="A meeting of your circle has changed. Open the circle's meetings to see it.",
        )


def _next_review(circle, exclude=None):
    pending = circle.milestones.filter(completed_on__isnull=True).order_by("due_on")
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    return pending.first()


@service
@transaction.atomic
def circle_taper(
    *,
    circle: Circle,
    frequency: str,
    from_date: datetime.date,
    next_review_on: datetime.date,
    acting_user: User,
    planned_end_on: datetime.date | None = None,
    review: ReviewMilestone | None = None,
    decided_on: datetime.date | None = None,
) -> FrequencyChange:
    """Step a circle down to meeting less often, from a date, as a review decided.

    Re-agrees the covenant (a new version at the new frequency, same goals), regenerates
    the group meetings from ``from_date`` (held meetings and meetings with minutes stay),
    moves the planned end when ``planned_end_on`` is given, and sets the next review's
    date (the end-of-circle review when no other is left). Returns the history row.
    """
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    today = timezone.localdate()
    if circle.status not in RUNNING:
        raise ValidationError("Only an active or stepping-down circle can step down.")
    if review is not None and review.circle_id != circle.pk:
        raise ValidationError("That review belongs to another circle.")
    if frequency not in TAPER_ORDER or TAPER_ORDER.index(frequency) <= TAPER_ORDER.index(
        circle.frequency
    ):
        raise ValidationError(
            {
                "frequency": f"The circle meets {circle.get_frequency_display().lower()} now: "
                "a step-down meets less often."
            }
        )
    if from_date is None or from_date < today:
        raise ValidationError(
            {"from_date": "Choose today or a later date: past meetings stay as they were."}
        )
    planned_end_on = planned_end_on or circle.planned_end_on
    if planned_end_on is not None and planned_end_on <= from_date:
        raise ValidationError({"planned_end_on": "The planned end is after the step-down."})
    if next_review_on is None or next_review_on < today:
        raise ValidationError({"next_review_on": "Choose today or a later date."})
    if planned_end_on is not None and next_review_on > planned_end_on:
        raise ValidationError(
            {"next_review_on": f"The circle is planned to end on {planned_end_on:%d %B %Y}."}
        )
    last = circle.covenants.order_by("-version").first()
    if last is None:
        raise ValidationError("Agree the covenant before stepping down.")
    if circle.status == Circle.Status.ACTIVE:
        transition(circle, Circle.Status.STEP_DOWN)
        # "Stepping down since" reads the day it was decided, not the launch.
        circle.status_changed_on = min(decided_on or today, today)
    circle.planned_end_on = planned_end_on
    circle_set_pattern(
        circle=circle,
        frequency=frequency,
        from_date=from_date,
        review=review,
        acting_user=acting_user,
    )
    # The covenant is re-agreed at each change of frequency (DESIGN §1).
    covenant_agree(
        circle=circle,
        goals=last.goals,
        frequency=frequency,
        agreed_on=min(decided_on or today, today),
        acting_user=acting_user,
    )
    milestone = _next_review(circle, exclude=review)
    if milestone is None:
        milestone = circle.milestones.filter(kind=ReviewMilestone.Kind.END).first()
        if milestone is not None and milestone.completed_on is not None:
            raise ValidationError({"next_review_on": "The end-of-circle review is recorded."})
        milestone = milestone or ReviewMilestone(circle=circle, kind=ReviewMilestone.Kind.END)
    milestone.due_on = next_review_on
    validated_save(milestone)
    return circle.frequency_changes.order_by("-pk").first()


def _require_running(circle):
    if circle.status not in RUNNING:
        raise ValidationError("Meetings are arranged once the circle has launched, until it ends.")


def _require_future(starts_at, field="starts_at"):
    if starts_at <= timezone.now():
        raise ValidationError({field: "Choose a time in the future."})


@service
@transaction.atomic
def meeting_add(
    *,
    circle: Circle,
    kind: str,
    starts_at: datetime.datetime,
    acting_user: User,
    venue: str = "",
    duration_minutes: int | None = None,
) -> Meeting:
    """The coordinator arranges a one-off meeting: a one-to-one, a review or an emergency."""
    if kind not in ONE_OFF_KINDS:
        raise ValidationError({"kind": "Choose a one-to-one, a review or an emergency meeting."})
    _require_running(circle)
    _require_future(starts_at)
    meeting = validated_save(
        Meeting(
            circle=circle,
            kind=kind,
            starts_at=starts_at,
            duration_minutes=duration_minutes or circle.duration_minutes,
            venue=venue.strip() or circle.venue,
            requested_by=acting_user,
        )
    )
    if kind in Meeting.CIRCLE_KINDS:
        _tell_volunteers(meeting, "CoSA: a meeting has been added for your circle")
    return meeting


@service
@transaction.atomic
def meeting_move(
    *,
    meeting: Meeting,
    starts_at: datetime.datetime,
    reason: str,
    acting_user: User,
    venue: str | None = None,
) -> Meeting:
    """Move one scheduled meeting to another time (and venue); the volunteers are told."""
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for moving the meeting."})
    # Wait for anyone else changing it, then act on what is stored now.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    meeting.refresh_from_db()
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError(f"This meeting is {meeting.get_status_display().lower()}.")
    _require_running(meeting.circle)
    _require_future(meeting.starts_at, field="starts_at")
    _require_future(starts_at)
    venue = meeting.venue if venue is None else (venue.strip() or meeting.venue)
    if starts_at == meeting.starts_at and venue == meeting.venue:
        raise ValidationError({"starts_at": "That is when and where the meeting already is."})
    meeting.moved_from = meeting.moved_from or meeting.starts_at
    meeting.starts_at = starts_at
    meeting.venue = venue
    meeting.moved_reason = reason.strip()
    meeting.moved_at = timezone.now()
    meeting.moved_by = acting_user
    validated_save(meeting)
    _tell_volunteers(meeting, "CoSA: a meeting of your circle has moved")
    return meeting


def holiday_move_target(meeting: Meeting) -> datetime.datetime:
    """Where the one-click move puts a meeting on a bank holiday: the next day that is not
    one, at the same local time (bank_holidays.next_working_day)."""
    local = timezone.localtime(meeting.starts_at, scheduling.LONDON)
    return scheduling.local_to_utc(bank_holidays.next_working_day(local.date()), local.time())


@service
@transaction.atomic
def meeting_move_off_holiday(*, meeting: Meeting, acting_user: User) -> Meeting:
    """The one-click move of a meeting off a bank holiday (``holiday_move_target``)."""
    holiday = meeting.bank_holiday
    if holiday is None:
        raise ValidationError("This meeting is not on a bank holiday.")
    return meeting_move(
        meeting=meeting,
        starts_at=holiday_move_target(meeting),
        reason=f"{holiday} is a bank holiday.",
        acting_user=acting_user,
    )
