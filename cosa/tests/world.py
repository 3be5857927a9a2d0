"""Two circles, ten actors: the fixture the permission matrix and leak tests share.

Built through the services, so every grant is the one production makes.
Circle A (owned by ``owner``) is the one under test; circle B (owned by
``other_coordinator``) carries distinctive strings that must never leak.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Agency, User
from accounts.services import user_create, user_deactivate
from circles import services as circle_services
from circles.models import Circle, CircleMembership, Concern, Covenant, Meeting
from coreMembers import services as cm_services
from coreMembers.models import LiaisonAssignment
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord
from volunteers import services as volunteer_services
from volunteers.models import TrainingRecord, Volunteer

PASSWORD = "matrix-password-123"
LEAK_MARKERS = ("Zebediah", "Quixotic", "Marmalade", "Xylophone-Venue", "Bartholomew")

_counter = iter(range(10**6))


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def _user(role, first, last, agency=None):
    n = next(_counter)
    return user_create(
        email=f"{first.lower()}.{last.lower()}.{n}@example.org",
        first_name=first,
        last_name=last,
        role=role,
        password=PASSWORD,
        agency=agency,
    )


def active_volunteer(first, last, *, issued_on=None):
    user = _user(User.Role.VOLUNTEER, first, last)
    volunteer = volunteer_services.volunteer_apply(user=user)
    today = timezone.localdate()
    volunteer_services.dbs_check_record(
        volunteer=volunteer,
        certificate_number=f"{next(_counter) + 100000000000:012d}",
        issued_on=issued_on or today - datetime.timedelta(days=30),
    )
    volunteer_services.training_record(
        volunteer=volunteer,
        course=TrainingRecord.Course.INITIAL,
        completed_on=today - datetime.timedelta(days=20),
    )
    for status in (Volunteer.Status.VETTING, Volunteer.Status.TRAINING, Volunteer.Status.ACTIVE):
        volunteer_services.volunteer_move(volunteer=volunteer, to=status)
    return volunteer


def launched_circle(
    *,
    coordinator,
    volunteers,
    agencies,
    first="Alan",
    last="Example",
    circle_name="Tuesday circle",
    venue="Community hall",
    launched_days_ago=60,
):
    """A launched circle whose Core Member has a current agreement with ``agencies``."""
    today = timezone.localdate()
    referral = cm_services.referral_create(
        source_agency=agencies[0],
        referrer_name="Pat Referrer",
        reason="Isolated on release; wants support.",
        core_member_details={
            "first_name": first,
            "last_name": last,
            "date_of_birth": datetime.date(1970, 1, 1),
        },
        coordinator=coordinator,
        received_on=today - datetime.timedelta(days=launched_days_ago + 30),
    )
    cm_services.referral_start_assessment(referral=referral, acting_user=coordinator)
    cm_services.referral_accept(referral=referral, acting_user=coordinator)
    core_member = referral.core_member
    cm_services.sharing_agreement_record(
        core_member=core_member,
        signed_on=today - datetime.timedelta(days=launched_days_ago + 10),
        expires_on=today + datetime.timedelta(days=300),
        agencies=agencies,
    )
    circle = circle_services.circle_form(
        referral=referral, coordinator=coordinator, name=circle_name, venue=venue
    )
    for index, volunteer in enumerate(volunteers):
        circle_services.membership_add(
            circle=circle,
            volunteer=volunteer,
            role=CircleMembership.Role.PRIMARY if index == 0 else CircleMembership.Role.VOLUNTEER,
            joined_on=today - datetime.timedelta(days=launched_days_ago),
        )
    circle_services.covenant_agree(
        circle=circle,
        goals="Build a routine; keep to licence conditions.",
        frequency=circle.frequency,
        agreed_on=today - datetime.timedelta(days=launched_days_ago),
    )
    circle_services.circle_launch(
        circle=circle,
        acting_user=coordinator,
        launched_on=today - datetime.timedelta(days=launched_days_ago),
    )
    circle.refresh_from_db()
    return circle


def build_world():
    w = World()
    probation = Agency.objects.create(name="Probation North", kind=Agency.Kind.PROBATION)
    police = Agency.objects.create(name="Police PPU North", kind=Agency.Kind.POLICE_PPU)
    u = w.users
    u["manager"] = _user(User.Role.MANAGER, "Mina", "Manager")
    u["owner"] = _user(User.Role.COORDINATOR, "Olive", "Owner")
    u["other_coordinator"] = _user(User.Role.COORDINATOR, "Bartholomew", "Otherton")
    vol_in = active_volunteer("Ivy", "Inside")
    vol_a2 = active_volunteer("Ida", "Second")
    vol_a3 = active_volunteer("Iris", "Third")
    vol_left = active_volunteer("Lena", "Leaver")
    vol_other = active_volunteer("Oscar", "Outsider")
    vol_b2 = active_volunteer("Otto", "Bee")
    vol_b3 = active_volunteer("Opal", "Bee")
    u["volunteer_in_circle"] = vol_in.user
    u["volunteer_other_circle"] = vol_other.user
    u["volunteer_left"] = vol_left.user
    u["liaison_assigned"] = _user(User.Role.LIAISON, "Lucy", "Assigned", probation)
    u["liaison_unassigned"] = _user(User.Role.LIAISON, "Luke", "Unassigned", police)
    u["deactivated"] = _user(User.Role.LIAISON, "Derek", "Deactivated", probation)

    circle = launched_circle(
        coordinator=u["owner"],
        volunteers=[vol_in, vol_a2, vol_a3, vol_left],
        agencies=[probation, police],
    )
    circle_services.membership_end(
        membership=circle.memberships.get(volunteer=vol_left), reason="Moved away"
    )
    other = launched_circle(
        coordinator=u["other_coordinator"],
        volunteers=[vol_other, vol_b2, vol_b3],
        agencies=[probation],
        first="Zebediah",
        last="Quixotic",
        circle_name="Marmalade circle",
        venue="Xylophone-Venue",
    )
    core_member = circle.core_member
    cm_services.liaison_assign(
        core_member=core_member,
        liaison=u["liaison_assigned"],
        role=LiaisonAssignment.Role.OFFENDER_MANAGER,
    )
    # The deactivated user was a liaison for A who received the record, then left.
    cm_services.liaison_assign(
        core_member=core_member,
        liaison=u["deactivated"],
        role=LiaisonAssignment.Role.OFFENDER_MANAGER,
    )

    meeting = Meeting.objects.create(
        circle=circle,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        venue=circle.venue,
    )
    note = circle_services.note_save(
        meeting=meeting,
        acting_user=vol_in.user,
        attendance="YES",
        summary="A calm meeting about work.",
        risk_mood=1,
        submit=True,
    )
    concern = circle_services.concern_raise(
        circle=circle,
        acting_user=vol_in.user,
        meeting=meeting,
        category=Concern.Category.RISK_BEHAVIOUR,
        severity=Concern.Severity.RED,
        description="Mentioned visiting a park near a school.",
    )
    record = sharing_services.record_create(
        core_member=core_member,
        circle=circle,
        source_concern=concern,
        category=InformationSharingRecord.Category.RISK_BEHAVIOUR,
        urgency=InformationSharingRecord.Urgency.URGENT,
        summary="Visit near a school",
        details="Said he had walked past the primary school twice.",
        acting_user=u["owner"],
    )
    sharing_services.record_share(
        record=record, recipients=[u["liaison_assigned"], u["deactivated"]], acting_user=u["owner"]
    )
    user_deactivate(user=u["deactivated"])

    # Circle B's own sensitive items, to be searched for in every response of A's actors.
    other_meeting = Meeting.objects.create(
        circle=other, starts_at=timezone.now() - datetime.timedelta(days=3), venue=other.venue
    )
    circle_services.note_save(
        meeting=other_meeting,
        acting_user=vol_other.user,
        attendance="YES",
        summary="Zebediah talked about Marmalade.",
        submit=True,
    )
    other_concern = circle_services.concern_raise(
        circle=other,
        acting_user=vol_other.user,
        category=Concern.Category.WELLBEING,
        severity=Concern.Severity.AMBER,
        description="Quixotic worries.",
    )
    w.objects.update(
        circle=circle,
        other_circle=other,
        core_member=core_member,
        other_core_member=other.core_member,
        meeting=meeting,
        note=note,
        concern=concern,
        record=record,
        membership=circle.memberships.get(volunteer=vol_in),
        other_meeting=other_meeting,
        other_concern=other_concern,
        volunteer=vol_in,
        other_volunteer=vol_other,
        covenant=Covenant.objects.filter(circle=circle).first(),
    )
    assert Circle.objects.count() == 2
    return w
