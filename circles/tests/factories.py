"""Factories for circles, meetings, minutes, concerns and reviews.

``launchable_circle`` builds a FORMING circle through the services (so the
guardian grants exist) with every launch condition met; tests take one
condition away to see the launch refused.
"""

import datetime

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import CoordinatorFactory, VolunteerUserFactory
from circles.models import (
    Circle,
    CircleMembership,
    Concern,
    Covenant,
    Frequency,
    Meeting,
    MeetingNote,
    MeetingObservation,
    ReviewMilestone,
    Weekday,
)
from circles.services import recount_circles
from coreMembers.models import CoreMember, Referral
from coreMembers.tests.factories import (
    CoreMemberFactory,
    ReferralFactory,
    SharingAgreementFactory,
    next_version,
)
from volunteers.tests.factories import ActiveVolunteerFactory

VENUE = "Northshire Community Centre, Room 2"


def days_ago(days):
    return factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=days))


class CircleFactory(DjangoModelFactory):
    """A FORMING circle meeting on Thursdays at 18:30, weekly."""

    class Meta:
        model = Circle

    core_member = factory.SubFactory(CoreMemberFactory, status=CoreMember.Status.ACCEPTED)
    coordinator = factory.SubFactory(CoordinatorFactory)
    name = "Thursday circle"
    kind = Circle.Kind.COMMUNITY
    status = Circle.Status.FORMING
    weekday = Weekday.THURSDAY
    meeting_time = datetime.time(18, 30)
    venue = VENUE
    frequency = Frequency.WEEKLY
    duration_minutes = 90


class ActiveCircleFactory(CircleFactory):
    """A launched circle (no meetings or milestones are generated: a plain row)."""

    core_member = factory.SubFactory(CoreMemberFactory, status=CoreMember.Status.IN_CIRCLE)
    status = Circle.Status.ACTIVE
    launched_on = days_ago(60)
    pattern_starts_on = factory.SelfAttribute("launched_on")
    planned_end_on = factory.LazyAttribute(lambda o: o.launched_on + relativedelta(months=12))


class CircleMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CircleMembership
        skip_postgeneration_save = True

    circle = factory.SubFactory(CircleFactory)
    volunteer = factory.SubFactory(ActiveVolunteerFactory)
    role = CircleMembership.Role.VOLUNTEER
    joined_on = days_ago(20)

    @factory.post_generation
    def recount(membership, create, extracted, **kwargs):
        # As the membership services do: the volunteer's circle count follows.
        if create:
            recount_circles([membership.volunteer_id])
            membership.volunteer.refresh_from_db(fields=["circle_count"])


class CovenantFactory(DjangoModelFactory):
    class Meta:
        model = Covenant

    circle = factory.SubFactory(CircleFactory)
    version = next_version("circle", "covenants")
    goals = "Build a weekly routine; find voluntary work; keep to the licence conditions."
    frequency = Frequency.WEEKLY
    agreed_on = days_ago(10)
    recorded_by = factory.SelfAttribute("circle.coordinator")


class MeetingFactory(DjangoModelFactory):
    """A SCHEDULED group meeting that started yesterday (so minutes can be written)."""

    class Meta:
        model = Meeting

    circle = factory.SubFactory(ActiveCircleFactory)
    # A minute apart per row so slots never collide on (circle, starts_at, kind).
    starts_at = factory.Sequence(
        lambda n: (
            timezone.now().replace(second=0, microsecond=0)
            - datetime.timedelta(days=1, minutes=n % 600)
        )
    )
    duration_minutes = 90
    venue = VENUE
    kind = Meeting.Kind.GROUP
    status = Meeting.Status.SCHEDULED


class MeetingNoteFactory(DjangoModelFactory):
    class Meta:
        model = MeetingNote
        skip_postgeneration_save = True

    meeting = factory.SubFactory(MeetingFactory, status=Meeting.Status.HELD)
    author = factory.SubFactory(VolunteerUserFactory)
    attendance = MeetingNote.Attendance.YES
    duration_minutes = 90
    summary = "Talked about the new job search and plans for the weekend."
    risk_mood = 1
    risk_isolation = 1
    status = MeetingNote.Status.DRAFT


class MeetingObservationFactory(DjangoModelFactory):
    class Meta:
        model = MeetingObservation

    note = factory.SubFactory(MeetingNoteFactory)
    author = factory.SubFactory(VolunteerUserFactory)
    text = "Seemed more settled than last week."


class ConcernFactory(DjangoModelFactory):
    class Meta:
        model = Concern

    circle = factory.SubFactory(ActiveCircleFactory)
    raised_by = factory.SubFactory(VolunteerUserFactory)
    category = Concern.Category.WELLBEING
    severity = Concern.Severity.AMBER
    imminent_risk = False
    description = "Said he has not left the flat since Monday."
    status = Concern.Status.RAISED


class ReviewMilestoneFactory(DjangoModelFactory):
    class Meta:
        model = ReviewMilestone

    circle = factory.SubFactory(ActiveCircleFactory)
    kind = ReviewMilestone.Kind.MONTH_3
    due_on = factory.LazyAttribute(lambda o: o.circle.launched_on + relativedelta(months=3))


def launchable_circle(
    *,
    coordinator=None,
    kind=Circle.Kind.COMMUNITY,
    volunteers=3,
    with_agreement=True,
    with_covenant=True,
    venue=VENUE,
    **pattern,
):
    """A FORMING circle, formed and staffed through the services, ready to launch.

    Each keyword takes one launch condition away: ``with_agreement=False``,
    ``volunteers=2``, ``with_covenant=False``, ``venue=""``.
    """
    from circles import services

    coordinator = coordinator or CoordinatorFactory()
    referral = ReferralFactory(
        status=Referral.Status.ACCEPTED,
        core_member__status=CoreMember.Status.ACCEPTED,
        coordinator=coordinator,
    )
    # One coordinator's open circles need names that tell them apart.
    open_circles = coordinator.coordinated_circles.open().count()
    circle = services.circle_form(
        referral=referral,
        coordinator=coordinator,
        name="Thursday circle" + (f" {open_circles + 1}" if open_circles else ""),
        kind=kind,
        venue=venue,
        acting_user=coordinator,
        **pattern,
    )
    if with_agreement:
        SharingAgreementFactory(core_member=circle.core_member)
    for _ in range(volunteers):
        services.membership_add(
            circle=circle, volunteer=ActiveVolunteerFactory(), acting_user=coordinator
        )
    if with_covenant:
        services.covenant_agree(
            circle=circle,
            goals="Meet every week; build a routine; no secrets.",
            frequency=circle.frequency,
            acting_user=coordinator,
        )
    return circle
