"""Writes for Core Members, referrals, agreements, liaisons and shared records."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import grant, revoke
from accounts.models import Agency, User
from coreMembers.models import (
    CoreMember,
    InformationSharingRecord,
    LiaisonAssignment,
    MappaRecord,
    RecordRecipient,
    Referral,
    RiskAssessment,
    SharingAgreement,
)
from cosa.services import transition, validated_save

COORDINATOR_CORE_MEMBER_PERMS = ("view_coremember", "change_coremember", "view_identity")


def _require_role(user, *roles, field=None):
    if user is None or user.role not in roles:
        names = " or ".join(User.Role(role).label.lower() for role in roles)
        message = f"This must be a {names}."
        raise ValidationError({field: message} if field else message)


def next_core_member_reference():
    last = CoreMember.objects.filter(reference__startswith="CM-").order_by("-reference").first()
    number = int(last.reference[3:]) + 1 if last and last.reference[3:].isdigit() else 1
    return f"CM-{number:06d}"


@transaction.atomic
def core_member_assign_coordinator(
    *, core_member: CoreMember, coordinator: User, acting_user: User | None = None
) -> CoreMember:
    """Give a coordinator the Core Member's full record, taking it from the previous one."""
    _require_role(coordinator, User.Role.COORDINATOR, field="coordinator")
    previous = core_member.coordinator
    if previous is not None and previous != coordinator:
        revoke(previous, core_member, *COORDINATOR_CORE_MEMBER_PERMS)
    core_member.coordinator = coordinator
    core_member.save(update_fields=["coordinator"])
    grant(coordinator, core_member, *COORDINATOR_CORE_MEMBER_PERMS)
    return core_member


@transaction.atomic
def referral_create(
    *,
    source_agency: Agency,
    referrer_name: str,
    reason: str,
    core_member: CoreMember | None = None,
    core_member_details: dict | None = None,
    referrer_email: str = "",
    received_on: datetime.date | None = None,
    coordinator: User | None = None,
    acting_user: User | None = None,
) -> Referral:
    """Record a referral, creating the Core Member from ``core_member_details`` if new."""
    if core_member is None:
        details = dict(core_member_details or {})
        details.setdefault("reference", next_core_member_reference())
        core_member = validated_save(CoreMember(**details))
    elif core_member.status in (CoreMember.Status.ENDED, CoreMember.Status.NOT_ACCEPTED):
        transition(core_member, CoreMember.Status.REFERRED)
        core_member.save(update_fields=["status"])
    referral = Referral(
        core_member=core_member,
        source_agency=source_agency,
        referrer_name=referrer_name,
        referrer_email=referrer_email,
        reason=reason,
        received_on=received_on or timezone.localdate(),
        created_by=acting_user,
    )
    validated_save(referral)
    if coordinator is not None:
        referral_assign(referral=referral, coordinator=coordinator, acting_user=acting_user)
    return referral


@transaction.atomic
def referral_assign(*, referral: Referral, coordinator: User, acting_user: User | None = None):
    _require_role(coordinator, User.Role.COORDINATOR, field="coordinator")
    referral.coordinator = coordinator
    referral.save(update_fields=["coordinator"])
    core_member_assign_coordinator(
        core_member=referral.core_member, coordinator=coordinator, acting_user=acting_user
    )
    return referral


def _decide(referral, to, *, acting_user, reason=""):
    transition(referral, to)
    referral.decision_reason = reason
    referral.decided_at = timezone.now()
    referral.decided_by = acting_user
    validated_save(referral)
    return referral


@transaction.atomic
def referral_start_assessment(*, referral: Referral, acting_user: User) -> Referral:
    transition(referral, Referral.Status.ASSESSING)
    referral.save(update_fields=["status"])
    return referral


@transaction.atomic
def referral_accept(*, referral: Referral, acting_user: User, reason: str = "") -> Referral:
    _decide(referral, Referral.Status.ACCEPTED, acting_user=acting_user, reason=reason)
    core_member = referral.core_member
    transition(core_member, CoreMember.Status.ACCEPTED)
    core_member.save(update_fields=["status"])
    return referral


def _close_referral(referral, to, *, acting_user, reason):
    if not reason.strip():
        raise ValidationError({"decision_reason": "Give a reason."})
    was_accepted = referral.status == Referral.Status.ACCEPTED
    _decide(referral, to, acting_user=acting_user, reason=reason.strip())
    core_member = referral.core_member
    if core_member.status == CoreMember.Status.REFERRED or (
        was_accepted and core_member.status == CoreMember.Status.ACCEPTED
    ):
        transition(core_member, CoreMember.Status.NOT_ACCEPTED)
        core_member.save(update_fields=["status"])
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, acting_user: User, reason: str) -> Referral:
    return _close_referral(
        referral, Referral.Status.DECLINED, acting_user=acting_user, reason=reason
    )


@transaction.atomic
def referral_withdraw(*, referral: Referral, acting_user: User, reason: str) -> Referral:
    if referral.status == Referral.Status.ACCEPTED and referral.core_member.circles.open().exists():
        raise ValidationError({"status": "A referral whose circle is open cannot be withdrawn."})
    return _close_referral(
        referral, Referral.Status.WITHDRAWN, acting_user=acting_user, reason=reason
    )


@transaction.atomic
def risk_assessment_record(
    *,
    core_member: CoreMember,
    tool: str,
    band: str,
    assessed_on: datetime.date,
    agency: Agency,
    score: str = "",
    acting_user: User | None = None,
) -> RiskAssessment:
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": "An assessment cannot be in the future."})
    return validated_save(
        RiskAssessment(
            core_member=core_member,
            tool=tool,
            band=band,
            score=score,
            assessed_on=assessed_on,
            agency=agency,
            recorded_by=acting_user,
        )
    )


@transaction.atomic
def mappa_record(
    *,
    core_member: CoreMember,
    category: int,
    level: int,
    effective_from: datetime.date,
    acting_user: User | None = None,
) -> MappaRecord:
    """Add to the dated MAPPA history; the latest entry is the Core Member's current one."""
    record = validated_save(
        MappaRecord(
            core_member=core_member,
            category=category,
            level=level,
            effective_from=effective_from,
            recorded_by=acting_user,
        )
    )
    latest = core_member.mappa_history.order_by("-effective_from", "-recorded_at").first()
    core_member.mappa_category = latest.category
    core_member.mappa_level = latest.level
    core_member.save(update_fields=["mappa_category", "mappa_level"])
    return record


@transaction.atomic
def sharing_agreement_record(
    *,
    core_member: CoreMember,
    signed_on: datetime.date,
    expires_on: datetime.date,
    agencies,
    acting_user: User | None = None,
) -> SharingAgreement:
    agencies = list(agencies)
    if not agencies:
        raise ValidationError({"agencies": "Choose at least one agency in scope."})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "The signature date cannot be in the future."})
    last = core_member.sharing_agreements.order_by("-version").first()
    agreement = validated_save(
        SharingAgreement(
            core_member=core_member,
            version=(last.version + 1) if last else 1,
            signed_on=signed_on,
            expires_on=expires_on,
            recorded_by=acting_user,
        )
    )
    agreement.agencies.set(agencies)
    return agreement


@transaction.atomic
def sharing_agreement_withdraw(
    *,
    agreement: SharingAgreement,
    reason: str,
    withdrawn_on: datetime.date | None = None,
    acting_user: User | None = None,
) -> SharingAgreement:
    """Consent withdrawn: consent-based sharing stops at once."""
    if agreement.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": "This agreement is already withdrawn."})
    if not reason.strip():
        raise ValidationError({"withdrawal_reason": "Give a reason."})
    agreement.withdrawn_on = withdrawn_on or timezone.localdate()
    agreement.withdrawal_reason = reason.strip()
    return validated_save(agreement, update_fields=["withdrawn_on", "withdrawal_reason"])


@transaction.atomic
def liaison_assign(
    *,
    core_member: CoreMember,
    liaison: User,
    role: str,
    started_on: datetime.date | None = None,
    acting_user: User | None = None,
) -> LiaisonAssignment:
    _require_role(liaison, User.Role.LIAISON, field="liaison")
    assignment = validated_save(
        LiaisonAssignment(
            core_member=core_member,
            liaison=liaison,
            role=role,
            started_on=started_on or timezone.localdate(),
        )
    )
    grant(liaison, core_member, "view_identity")
    return assignment


@transaction.atomic
def liaison_end(
    *, assignment: LiaisonAssignment, ended_on: datetime.date | None = None, acting_user=None
) -> LiaisonAssignment:
    """End an assignment: the liaison loses the Core Member and the records sent to them."""
    if assignment.ended_on is not None:
        raise ValidationError({"ended_on": "This assignment has already ended."})
    assignment.ended_on = ended_on or timezone.localdate()
    validated_save(assignment, update_fields=["ended_on"])
    revoke(assignment.liaison, assignment.core_member, "view_identity")
    for record in InformationSharingRecord.objects.filter(
        core_member=assignment.core_member, recipients__liaison=assignment.liaison
    ):
        revoke(assignment.liaison, record, "view_informationsharingrecord", "acknowledge_record")
    return assignment


# Shared records ----------------------------------------------------------------------


def eligible_recipients(core_member: CoreMember, on=None):
    """Liaisons assigned to the Core Member whose agency the current agreement covers."""
    agreement = core_member.sharing_agreements.current(on).first()
    assigned = User.objects.filter(
        is_active=True,
        role=User.Role.LIAISON,
        liaison_assignments__core_member=core_member,
        liaison_assignments__ended_on__isnull=True,
    )
    if agreement is None:
        return assigned.none(), assigned
    return assigned.filter(agency__in=agreement.agencies.all()).distinct(), assigned.distinct()


def _check_editable(record):
    if record.is_shared:
        raise ValidationError(
            "A shared record cannot be changed; add an addendum instead.", code="immutable"
        )


@transaction.atomic
def record_create(
    *,
    core_member: CoreMember,
    category: str,
    urgency: str,
    summary: str,
    details: str,
    acting_user: User,
    circle=None,
    source_meeting=None,
    source_concern=None,
    addendum_to: InformationSharingRecord | None = None,
    legal_basis: str = InformationSharingRecord.LegalBasis.CONSENT,
    override_reason: str = "",
) -> InformationSharingRecord:
    if addendum_to is not None and not addendum_to.is_shared:
        raise ValidationError({"addendum_to": "Only a shared record can have an addendum."})
    return validated_save(
        InformationSharingRecord(
            core_member=core_member,
            circle=circle,
            source_meeting=source_meeting,
            source_concern=source_concern,
            addendum_to=addendum_to,
            category=category,
            urgency=urgency,
            summary=summary,
            details=details,
            legal_basis=legal_basis,
            override_reason=override_reason,
            created_by=acting_user,
        )
    )


@transaction.atomic
def record_approve_override(
    *, record: InformationSharingRecord, acting_user: User
) -> InformationSharingRecord:
    """A second person (manager or another coordinator) approves a public-protection override."""
    _check_editable(record)
    if record.legal_basis != InformationSharingRecord.LegalBasis.PUBLIC_PROTECTION:
        raise ValidationError({"legal_basis": "Only an override needs approval."})
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR, field="approved_by")
    if acting_user.pk == record.created_by_id:
        raise ValidationError({"approved_by": "The override must be approved by a second person."})
    record.approved_by = acting_user
    record.approved_at = timezone.now()
    return validated_save(record, update_fields=["approved_by", "approved_at"])


@transaction.atomic
def record_share(
    *, record: InformationSharingRecord, recipients, acting_user: User
) -> InformationSharingRecord:
    """Send a draft to named liaisons. It can never be changed afterwards."""
    _check_editable(record)
    recipients = list(recipients)
    if not recipients:
        raise ValidationError({"recipients": "Choose at least one recipient."})
    eligible, assigned = eligible_recipients(record.core_member)
    if record.legal_basis == InformationSharingRecord.LegalBasis.CONSENT:
        allowed = set(eligible.values_list("pk", flat=True))
        if not allowed:
            raise ValidationError(
                {"legal_basis": "There is no current sharing agreement covering any liaison."}
            )
    else:
        if record.approved_by_id is None:
            raise ValidationError({"approved_by": "The override needs a second approval first."})
        allowed = set(assigned.values_list("pk", flat=True))
    refused = [user for user in recipients if user.pk not in allowed]
    if refused:
        names = ", ".join(str(user) for user in refused)
        raise ValidationError({"recipients": f"Cannot share with {names} on this legal basis."})
    transition(record, InformationSharingRecord.Status.SHARED)
    record.shared_at = timezone.now()
    record.shared_by = acting_user
    validated_save(record, update_fields=["status", "shared_at", "shared_by"])
    for user in recipients:
        RecordRecipient.objects.create(record=record, liaison=user)
        grant(user, record, "view_informationsharingrecord", "acknowledge_record")
    return record


@transaction.atomic
def record_acknowledge(
    *, record: InformationSharingRecord, acting_user: User, response: str
) -> RecordRecipient:
    if not response.strip():
        raise ValidationError({"response": "Say what you did or will do with this information."})
    try:
        recipient = record.recipients.select_for_update().get(liaison=acting_user)
    except RecordRecipient.DoesNotExist:
        raise ValidationError("This record was not sent to you.") from None
    if recipient.acknowledged_at is not None:
        raise ValidationError({"response": "You have already acknowledged this record."})
    recipient.acknowledged_at = timezone.now()
    recipient.response = response.strip()
    validated_save(recipient, update_fields=["acknowledged_at", "response"])
    if not record.recipients.filter(acknowledged_at__isnull=True).exists():
        transition(record, InformationSharingRecord.Status.ACKNOWLEDGED)
        record.save(update_fields=["status"])
    return recipient
