"""Builders for the hand-worked report fixtures. Dates are Europe/London."""

import datetime

from django.utils import timezone

from accounts.tests.factories import LiaisonFactory, ManagerFactory
from circles.models import Circle, Concern
from circles.services import circle_change_coordinator
from circles.tests.factories import CircleFactory, ConcernFactory
from coreMembers.models import CoreMember, Referral
from coreMembers.services import core_member_assign_coordinator
from coreMembers.tests.factories import (
    CoreMemberFactory,
    InformationSharingRecordFactory,
    RecordRecipientFactory,
    ReferralFactory,
)
from sharing.models import InformationSharingRecord

D = datetime.date
Record = InformationSharingRecord

CORE_MEMBER_STATUS = {
    Circle.Status.FORMING: CoreMember.Status.ACCEPTED,
    Circle.Status.ACTIVE: CoreMember.Status.IN_CIRCLE,
    Circle.Status.STEP_DOWN: CoreMember.Status.IN_CIRCLE,
    Circle.Status.ENDED: CoreMember.Status.ENDED,
}


def at(year, month, day, hour=12, minute=0):
    """An aware datetime from a Europe/London wall-clock time."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def owned_circle(
    coordinator,
    *,
    status=Circle.Status.ACTIVE,
    launched_on=None,
    referral_on=None,
    mappa=(None, None),
    **fields,
):
    """A circle granted to ``coordinator`` the way production grants it (the service)."""
    core_member = CoreMemberFactory(
        status=CORE_MEMBER_STATUS[status], mappa_category=mappa[0], mappa_level=mappa[1]
    )
    referral = None
    if referral_on is not None:
        referral = ReferralFactory(
            core_member=core_member,
            received_on=referral_on,
            status=Referral.Status.ACCEPTED,
            coordinator=coordinator,
        )
    # The model default reads the real clock; the fixtures run on a frozen one.
    fields.setdefault(
        "created_at", at(*launched_on.timetuple()[:3]) if launched_on else timezone.now()
    )
    circle = CircleFactory(
        core_member=core_member,
        coordinator=coordinator,
        status=status,
        launched_on=launched_on,
        referral=referral,
        **fields,
    )
    # A handover is a manager's act (it grants the circle and the record as production does).
    circle_change_coordinator(circle=circle, coordinator=coordinator, acting_user=ManagerFactory())
    return circle


def owned_referral(coordinator, received_on, status):
    reason = "" if status in Referral.OPEN_STATES or status == "ACCEPTED" else "Not suitable now."
    referral = ReferralFactory(received_on=received_on, status=status, decision_reason=reason)
    core_member_assign_coordinator(core_member=referral.core_member, coordinator=coordinator)
    return referral


def by_label(table):
    """{first cell: the other cells} of every row and the total row."""
    return {row[0]: row[1:] for row in table.all_rows()}


def concern(circle, raised_at, severity, status=Concern.Status.RAISED, **fields):
    if status == Concern.Status.CLOSED:
        fields["closed_reason"] = "Dealt with in the circle."
    return ConcernFactory(
        circle=circle, raised_at=raised_at, severity=severity, status=status, **fields
    )


def shared(circle, shared_at, urgency, *, source_concern=None, override=False):
    extra = {}
    if override:
        extra = {
            "legal_basis": Record.LegalBasis.PUBLIC_PROTECTION,
            "override_reason": "Imminent risk to a child.",
            "approved_by": ManagerFactory(),
            "approved_at": shared_at,
        }
    return InformationSharingRecordFactory(
        core_member=circle.core_member,
        circle=circle,
        created_by=circle.coordinator,
        urgency=urgency,
        status=Record.Status.SHARED,
        shared_at=shared_at,
        source_concern=source_concern,
        **extra,
    )


def recipient(record, acknowledged_at=None):
    return RecordRecipientFactory(
        record=record,
        liaison=LiaisonFactory(),
        acknowledged_at=acknowledged_at,
        response="Noted; visiting on Monday." if acknowledged_at else "",
    )
