"""Writes for Core Members, referrals, agreements and liaisons."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.grants import grant, revoke
from accounts.models import Agency, User
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaRecord,
    Referral,
    ReferralDocument,
    RiskAssessment,
    SharingAgreement,
)
from coreMembers.signals import liaison_cover_ended
from cosa.services import service, transition, validated_save
from formpages import drafts, versions

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


@service
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


@service
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
    documents=(),
    acting_user: User | None = None,
) -> Referral:
    """Record a referral, creating the Core Member from ``core_member_details`` if new.

    ``documents`` is a sequence of ``(title, uploaded file)`` pairs stored with it.
    """
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
    for title, file in documents:
        referral_document_add(referral=referral, title=title, file=file, acting_user=acting_user)
    if coordinator is not None:
        referral_assign(referral=referral, coordinator=coordinator, acting_user=acting_user)
    return referral


@service
@transaction.atomic
def referral_document_add(
    *, referral: Referral, title: str, file, acting_user: User | None = None
) -> ReferralDocument:
    """Attach a document (stored under MEDIA_ROOT, served only through an access check)."""
    title = (title or "").strip() or getattr(file, "name", "") or "Document"
    return validated_save(
        ReferralDocument(referral=referral, title=title[:200], file=file, uploaded_by=acting_user)
    )


@service
@transaction.atomic
def referral_documents_add(
    *, referral: Referral, documents, acting_user: User | None = None
) -> list[ReferralDocument]:
    """Attach several uploads at once: all of them or, if one is refused, none."""
    return [
        referral_document_add(
            referral=referral, title=document.original_name, file=document, acting_user=acting_user
        )
        for document in documents
    ]


CORE_MEMBER_EDITABLE_FIELDS = frozenset(
    {
        "home_district",
        "exclusion_districts",
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "probation_crn",
        "pnc_reference",
        "visor_reference",
        "notification_start",
        "notification_end",
        "notification_indefinite",
        "licence_end",
        "has_shpo",
        "shpo_end",
        "shpo_prohibitions",
        "offence_summary",
        "needs_and_adaptations",
    }
)


@service
@transaction.atomic
def core_member_update(
    *,
    core_member: CoreMember,
    acting_user: User | None = None,
    version: int | None = None,
    **changes,
) -> CoreMember:
    """Change the record's own fields. MAPPA, status and coordinator have their own services.

    ``version`` is the record's version the edit began at: a stale one is refused.
    """
    unknown = set(changes) - CORE_MEMBER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    versions.advance(core_member, version)
    for name, value in changes.items():
        setattr(core_member, name, value)
    return validated_save(core_member, update_fields=sorted(changes))


@service
@transaction.atomic
def referral_assign(*, referral: Referral, coordinator: User, acting_user: User | None = None):
    if referral.status in Referral.CLOSED_STATES:
        raise ValidationError(
            f"This referral was {referral.get_status_display().lower()}: it is not reassigned."
        )
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


@service
@transaction.atomic
def referral_start_assessment(*, referral: Referral, acting_user: User) -> Referral:
    transition(referral, Referral.Status.ASSESSING)
    referral.save(update_fields=["status"])
    return referral


@service
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


@service
@transaction.atomic
def referral_decline(*, referral: Referral, acting_user: User, reason: str) -> Referral:
    return _close_referral(
        referral, Referral.Status.DECLINED, acting_user=acting_user, reason=reason
    )


@service
@transaction.atomic
def referral_withdraw(*, referral: Referral, acting_user: User, reason: str) -> Referral:
    if referral.status == Referral.Status.ACCEPTED and referral.core_member.circles.open().exists():
        raise ValidationError({"status": "A referral whose circle is open cannot be withdrawn."})
    return _close_referral(
        referral, Referral.Status.WITHDRAWN, acting_user=acting_user, reason=reason
    )


@service
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


@service
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


@service
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


@service
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


@service
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


@service
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
    # The apps above (the shared records) take back what the cover gave them.
    liaison_cover_ended.send(sender=LiaisonAssignment, assignment=assignment)
    drafts.purge(author=assignment.liaison_id, core_member_id=assignment.core_member_id)
    return assignment
