"""Distinctive strings planted in every kind of a Core Member's chronology (on the
world's circle A), for the leak and filter tests."""

import datetime

from django.utils import timezone

from accounts.models import Agency
from circles import services as circle_services
from circles.models import Concern, Meeting, ReviewMilestone
from coreMembers import services as cm_services
from coreMembers.models import RiskAssessment
from outcomes.models import FollowUpCheck, OutcomeEvent
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord

PLANTED = {
    "referral": "Isolated on release",  # the world's referral reason
    "risk_assessment": "Riskwatch Assessors",  # the assessing agency
    "mappa": "MAPPA category 1, level 2",
    "agreement_withdrawn": "WITHDRAWAL-PLANT",
    "circle_name": "Tuesday circle",
    "covenant": "Build a routine",  # the world's covenant goals
    "minutes": "MINUTES-PLANT",
    "present": "Ida Second",  # a volunteer present at the planted minutes
    "risk_rise": "Risk ratings rose",
    "concern": "CONCERN-PLANT",
    "triage": "TRIAGE-PLANT",
    "review": "REVIEW-PLANT",
    "record_to_liaison": "Visit near a school",  # the world's record, sent to her
    "record_not_to_liaison": "RECORD-NOT-FOR-LIAISON",
    "own_acknowledgement": "ACK-BY-ASSIGNED",
    "other_acknowledgement": "ACK-BY-ANOTHER",
    "outcome": "OUTCOME-PLANT",
    "follow_up": "FOLLOWUP-PLANT",
}

STAFF_ONLY = (
    "referral",
    "risk_assessment",
    "mappa",
    "agreement_withdrawn",
    "risk_rise",
    "concern",
    "triage",
    "review",
    "record_not_to_liaison",
    "other_acknowledgement",
    "outcome",
    "follow_up",
)
# What a volunteer of the circle reads: the briefing and the meetings.
VOLUNTEER_SEES = ("circle_name", "covenant", "minutes", "present")
# What the assigned liaison reads: what was shared with them, and their own response.
LIAISON_SEES = ("record_to_liaison", "own_acknowledgement")


def meeting_at(circle, days_ago, **fields):
    return Meeting.objects.create(
        circle=circle,
        starts_at=timezone.now() - datetime.timedelta(days=days_ago),
        venue=circle.venue,
        **fields,
    )


def plant(world):
    """Every kind once on circle A's Core Member, each with its own string."""
    w = world.objects
    owner = world.users["owner"]
    circle, core_member = w["circle"], w["core_member"]
    today = timezone.localdate()
    assessors = Agency.objects.create(name="Riskwatch Assessors", kind=Agency.Kind.PROBATION)
    cm_services.risk_assessment_record(
        core_member=core_member,
        tool=RiskAssessment.Tool.RM2000_S,
        band=RiskAssessment.Band.HIGH,
        assessed_on=today - datetime.timedelta(days=40),
        agency=assessors,
        acting_user=owner,
    )
    cm_services.mappa_record(
        core_member=core_member,
        category=1,
        level=2,
        effective_from=today - datetime.timedelta(days=50),
        acting_user=owner,
    )
    agreement = core_member.sharing_agreements.get()
    old = cm_services.sharing_agreement_record(
        core_member=core_member,
        signed_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=100),
        agencies=[assessors],
    )
    cm_services.sharing_agreement_withdraw(
        agreement=old, reason="WITHDRAWAL-PLANT", withdrawn_on=today - datetime.timedelta(days=300)
    )
    assert agreement.pk != old.pk
    volunteer = w["volunteer"]
    second = circle.memberships.get(volunteer__user__first_name="Ida").volunteer
    first = meeting_at(circle, 9)
    circle_services.note_save(
        meeting=first,
        acting_user=volunteer.user,
        attendance="LATE",
        summary="A quiet week.",
        risk_isolation=0,
        submit=True,
    )
    second_meeting = meeting_at(circle, 5)
    circle_services.note_save(
        meeting=second_meeting,
        acting_user=volunteer.user,
        attendance="YES",
        summary="MINUTES-PLANT talked about his job.",
        risk_isolation=3,
        volunteers_present=[volunteer, second],
        submit=True,
    )
    concern = circle_services.concern_raise(
        circle=circle,
        acting_user=volunteer.user,
        meeting=second_meeting,
        category=Concern.Category.WELLBEING,
        severity=Concern.Severity.AMBER,
        description="CONCERN-PLANT low mood",
    )
    circle_services.concern_triage(concern=concern, acting_user=owner, notes="TRIAGE-PLANT")
    milestone = circle.milestones.order_by("due_on").first()
    circle_services.review_record(
        milestone=milestone,
        decision=ReviewMilestone.Decision.CONTINUE,
        attendees="The circle",
        progress_notes="REVIEW-PLANT going well",
        acting_user=owner,
        completed_on=today - datetime.timedelta(days=3),
    )
    # A record not sent to the assigned liaison, and another liaison's acknowledgement.
    other_liaison = world.users["liaison_unassigned"]
    cm_services.liaison_assign(core_member=core_member, liaison=other_liaison, role="POLICE_PPU")
    hidden = sharing_services.record_create(
        core_member=core_member,
        circle=circle,
        category=InformationSharingRecord.Category.WELLBEING,
        urgency=InformationSharingRecord.Urgency.ROUTINE,
        summary="RECORD-NOT-FOR-LIAISON",
        details="Details.",
        acting_user=owner,
    )
    sharing_services.record_share(record=hidden, recipients=[other_liaison], acting_user=owner)
    sharing_services.record_acknowledge(
        record=hidden, acting_user=other_liaison, response="ACK-BY-ANOTHER"
    )
    sharing_services.record_acknowledge(
        record=w["record"], acting_user=world.users["liaison_assigned"], response="ACK-BY-ASSIGNED"
    )
    # Ends the other liaison's cover again: the world's outsider stays an outsider.
    assignment = core_member.liaison_assignments.get(liaison=other_liaison, ended_on=None)
    cm_services.liaison_end(assignment=assignment)
    OutcomeEvent.objects.create(
        core_member=core_member,
        circle=circle,
        kind=OutcomeEvent.Kind.RECALL,
        occurred_on=today - datetime.timedelta(days=2),
        source_agency=assessors,
        note="OUTCOME-PLANT",
    )
    FollowUpCheck.objects.create(
        circle=circle,
        months=12,
        checked_on=today - datetime.timedelta(days=1),
        checked_with=assessors,
        nothing_found=True,
        note="FOLLOWUP-PLANT",
    )
    return world
