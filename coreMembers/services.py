"""Writes for Core Members, referrals, agreements, liaisons and shared records."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.access import grant, revoke
from accounts.models import Agency, User
from accounts.notifications import notify
from coreMembers.models import (
    CoreMember,
    CoreMemberUserObjectPermission,
    InformationSharingRecord,
    LiaisonAssignment,
    MappaRecord,
    RecordRecipient,
    Referral,
    ReferralDocument,
    RiskAssessment,
    SharingAgreement,
)
from cosa.services import service, transition, validated_save

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
    *, core_member: CoreMember, acting_user: User | None = None, **changes
) -> CoreMember:
    """Change the record's own fields. MAPPA, status and coordinator have their own services."""
    unknown = set(changes) - CORE_MEMBER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(core_member, name, value)
    return validated_save(core_member, update_fields=sorted(changes))


@service
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
    for record in InformationSharingRecord.objects.filter(
        core_member=assignment.core_member, recipients__liaison=assignment.liaison
    ):
        revoke(assignment.liaison, record, "view_informationsharingrecord", "acknowledge_record")
    return assignment


# Shared records ----------------------------------------------------------------------
#
# A record is composed as a draft with its intended recipients (RecordRecipient rows
# that grant nothing until it is shared). On consent it is shared at once; under a
# public-protection override it waits for a second person's approval, and approving
# sends it. Once shared nothing about it changes except acknowledgements; corrections
# are addenda, which are records of their own.

RECORD_EDITABLE_FIELDS = ("category", "urgency", "summary", "details", "legal_basis")


def eligible_recipients(core_member: CoreMember, on=None):
    """Liaisons assigned to the Core Member whose agency the current agreement covers.

    Returns ``(eligible on consent, every assigned liaison)``: the second is who a
    public-protection override may reach.
    """
    agreement = core_member.sharing_agreements.current(on).first()
    assigned = User.objects.filter(
        is_active=True,
        role=User.Role.LIAISON,
        liaison_assignments__core_member=core_member,
        liaison_assignments__ended_on__isnull=True,
    ).select_related("agency")
    if agreement is None:
        return assigned.none(), assigned.distinct()
    return assigned.filter(agency__in=agreement.agencies.all()).distinct(), assigned.distinct()


def _check_editable(record):
    if record.pk is not None:
        # Decide on the stored state, not on what the caller's copy says.
        stored = InformationSharingRecord.objects.filter(pk=record.pk).values("status").first()
        status = stored["status"] if stored else record.status
    else:
        status = record.status
    if status in (
        InformationSharingRecord.Status.SHARED,
        InformationSharingRecord.Status.ACKNOWLEDGED,
    ):
        raise ValidationError(
            "A shared record cannot be changed; add an addendum instead.", code="immutable"
        )


def _check_recipients(record, recipients):
    """The recipients the legal basis allows, or a ValidationError naming who is refused."""
    recipients = list(recipients)
    if not recipients:
        raise ValidationError({"recipients": "Choose at least one recipient."})
    eligible, assigned = eligible_recipients(record.core_member)
    if record.legal_basis == InformationSharingRecord.LegalBasis.CONSENT:
        allowed = set(eligible.values_list("pk", flat=True))
        if not allowed:
            raise ValidationError(
                {
                    "legal_basis": "There is no current sharing agreement covering any assigned "
                    "liaison: share only under a public-protection override."
                }
            )
    else:
        allowed = set(assigned.values_list("pk", flat=True))
    refused = [user for user in recipients if user.pk not in allowed]
    if refused:
        names = ", ".join(user.get_full_name() or str(user) for user in refused)
        raise ValidationError({"recipients": f"Cannot share with {names} on this legal basis."})
    return recipients


def _set_pending_recipients(record, recipients):
    """Make the draft's recipient rows match ``recipients`` (nothing is granted yet)."""
    wanted = {user.pk for user in recipients}
    record.recipients.exclude(liaison_id__in=wanted).delete()
    existing = set(record.recipients.values_list("liaison_id", flat=True))
    for pk in sorted(wanted - existing):
        # One by one (never bulk): each row's history is part of the audit trail.
        RecordRecipient.objects.create(record=record, liaison_id=pk)


def _source_checks(core_member, *, circle, source_meeting, source_concern, addendum_to):
    from circles.models import Concern  # circles imports this module

    errors = {}
    if source_concern is not None:
        if source_concern.circle.core_member_id != core_member.pk:
            errors["source_concern"] = "That concern is about another Core Member."
        elif source_concern.status not in (Concern.Status.RAISED, Concern.Status.TRIAGED):
            errors["source_concern"] = "That concern has already been shared or closed."
        circle = circle or source_concern.circle
    if source_meeting is not None:
        if source_meeting.circle.core_member_id != core_member.pk:
            errors["source_meeting"] = "That meeting is about another Core Member."
        circle = circle or source_meeting.circle
    if addendum_to is not None:
        if addendum_to.core_member_id != core_member.pk:
            errors["addendum_to"] = "An addendum is about the same Core Member."
        elif not addendum_to.is_shared:
            errors["addendum_to"] = "Only a shared record can have an addendum."
        circle = circle or addendum_to.circle
    if circle is not None and circle.core_member_id != core_member.pk:
        errors["circle"] = "That circle belongs to another Core Member."
    if errors:
        raise ValidationError(errors)
    return circle or core_member.circles.order_by("-created_at").first()


def _record_link(record):
    return reverse("core_members:record_detail", args=[record.pk])


@service
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
    recipients=None,
) -> InformationSharingRecord:
    """A draft. ``recipients`` (optional) are kept with it for sending later."""
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR)
    circle = _source_checks(
        core_member,
        circle=circle,
        source_meeting=source_meeting,
        source_concern=source_concern,
        addendum_to=addendum_to,
    )
    if legal_basis == InformationSharingRecord.LegalBasis.CONSENT:
        override_reason = ""
    record = validated_save(
        InformationSharingRecord(
            core_member=core_member,
            circle=circle,
            source_meeting=source_meeting,
            source_concern=source_concern,
            addendum_to=addendum_to,
            category=category,
            urgency=urgency,
            summary=summary.strip(),
            details=details.strip(),
            legal_basis=legal_basis,
            override_reason=override_reason.strip(),
            created_by=acting_user,
        )
    )
    if recipients is not None:
        _set_pending_recipients(record, list(recipients))
    return record


@service
@transaction.atomic
def record_update(
    *, record: InformationSharingRecord, acting_user: User, **changes
) -> InformationSharingRecord:
    """Change a draft (or a declined override). A shared record refuses every change."""
    _check_editable(record)
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR)
    unknown = set(changes) - {*RECORD_EDITABLE_FIELDS, "override_reason", "recipients"}
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    recipients = changes.pop("recipients", None)
    if changes.get("legal_basis") == InformationSharingRecord.LegalBasis.CONSENT:
        changes["override_reason"] = ""
    for name, value in changes.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    if record.status == InformationSharingRecord.Status.AWAITING_APPROVAL:
        # What was put to the approver is no longer what would be sent.
        transition(record, InformationSharingRecord.Status.DRAFT)
        changes["status"] = record.status
    record.approved_by = None
    record.approved_at = None
    validated_save(record, update_fields=[*changes, "approved_by", "approved_at"])
    if recipients is not None:
        _set_pending_recipients(record, list(recipients))
    return record


@service
@transaction.atomic
def record_send(
    *, record: InformationSharingRecord, recipients, acting_user: User
) -> InformationSharingRecord:
    """Share on consent at once; put an override to a second person for approval."""
    if record.legal_basis == InformationSharingRecord.LegalBasis.CONSENT:
        return record_share(record=record, recipients=recipients, acting_user=acting_user)
    return record_submit_for_approval(record=record, recipients=recipients, acting_user=acting_user)


@service
@transaction.atomic
def record_compose(
    *,
    core_member: CoreMember,
    acting_user: User,
    category: str,
    urgency: str,
    summary: str,
    details: str,
    recipients,
    legal_basis: str = InformationSharingRecord.LegalBasis.CONSENT,
    override_reason: str = "",
    circle=None,
    source_meeting=None,
    source_concern=None,
    addendum_to: InformationSharingRecord | None = None,
) -> InformationSharingRecord:
    """Write a record and send it: shared at once on consent, else awaiting approval."""
    recipients = list(recipients)
    record = record_create(
        core_member=core_member,
        acting_user=acting_user,
        category=category,
        urgency=urgency,
        summary=summary,
        details=details,
        legal_basis=legal_basis,
        override_reason=override_reason,
        circle=circle,
        source_meeting=source_meeting,
        source_concern=source_concern,
        addendum_to=addendum_to,
        recipients=recipients,
    )
    return record_send(record=record, recipients=recipients, acting_user=acting_user)


def _approvers(record):
    """Managers, and coordinators with the Core Member's full record, except the author."""
    holders = CoreMemberUserObjectPermission.objects.filter(
        content_object_id=record.core_member_id, permission__codename="view_coremember"
    ).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=User.Role.MANAGER) | Q(role=User.Role.COORDINATOR, pk__in=holders),
        )
        .exclude(pk=record.created_by_id)
    )


@service
@transaction.atomic
def record_submit_for_approval(
    *, record: InformationSharingRecord, recipients, acting_user: User
) -> InformationSharingRecord:
    """A public-protection override waits for a second person before anything is sent."""
    _check_editable(record)
    if record.legal_basis != InformationSharingRecord.LegalBasis.PUBLIC_PROTECTION:
        raise ValidationError({"legal_basis": "Only an override needs approval."})
    recipients = _check_recipients(record, recipients)
    _set_pending_recipients(record, recipients)
    transition(record, InformationSharingRecord.Status.AWAITING_APPROVAL)
    record.approved_by = None
    record.approved_at = None
    validated_save(record, update_fields=["status", "approved_by", "approved_at"])
    for approver in _approvers(record):
        notify(
            recipient=approver,
            subject="CoSA: a public-protection override is waiting for your approval",
            link=reverse("core_members:record_approvals"),
            body="A coordinator wants to share a record without consent. "
            "A second person must approve it before it is sent.",
        )
    return record


@service
@transaction.atomic
def record_approve_override(
    *, record: InformationSharingRecord, acting_user: User
) -> InformationSharingRecord:
    """A second person (manager or another coordinator) approves an override: it is sent."""
    record = InformationSharingRecord.objects.select_for_update().get(pk=record.pk)
    _check_editable(record)
    if record.legal_basis != InformationSharingRecord.LegalBasis.PUBLIC_PROTECTION:
        raise ValidationError({"legal_basis": "Only an override needs approval."})
    if record.status != InformationSharingRecord.Status.AWAITING_APPROVAL:
        raise ValidationError({"status": "This record is not waiting for approval."})
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR, field="approved_by")
    if acting_user.pk == record.created_by_id:
        raise ValidationError({"approved_by": "The override must be approved by a second person."})
    record.approved_by = acting_user
    record.approved_at = timezone.now()
    validated_save(record, update_fields=["approved_by", "approved_at"])
    pending = [recipient.liaison for recipient in record.recipients.select_related("liaison")]
    record = record_share(record=record, recipients=pending, acting_user=acting_user)
    notify(
        recipient=record.created_by,
        subject="CoSA: your override was approved and the record sent",
        link=_record_link(record),
    )
    return record


@service
@transaction.atomic
def record_decline_override(
    *, record: InformationSharingRecord, acting_user: User, reason: str
) -> InformationSharingRecord:
    """Refuse (or, for the author, withdraw) an override: it goes back to a draft."""
    record = InformationSharingRecord.objects.select_for_update().get(pk=record.pk)
    _check_editable(record)
    if record.status != InformationSharingRecord.Status.AWAITING_APPROVAL:
        raise ValidationError({"status": "This record is not waiting for approval."})
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the override is declined."})
    transition(record, InformationSharingRecord.Status.DRAFT)
    # Kept in the record's history (simple-history's change reason).
    record._change_reason = f"Override declined by {acting_user}: {reason.strip()}"[:100]
    validated_save(record, update_fields=["status"])
    if acting_user.pk != record.created_by_id:
        notify(
            recipient=record.created_by,
            subject="CoSA: your public-protection override was declined",
            link=_record_link(record),
        )
    return record


@service
@transaction.atomic
def record_share(
    *, record: InformationSharingRecord, recipients, acting_user: User
) -> InformationSharingRecord:
    """Send a record to named liaisons. It can never be changed afterwards.

    Grants each recipient the record, sets when their acknowledgement is due, tells them
    (a link only) and marks the concern it came from as shared.
    """
    _check_editable(record)
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR)
    if (
        record.legal_basis == InformationSharingRecord.LegalBasis.PUBLIC_PROTECTION
        and record.approved_by_id is None
    ):
        raise ValidationError({"approved_by": "The override needs a second approval first."})
    recipients = _check_recipients(record, recipients)
    transition(record, InformationSharingRecord.Status.SHARED)
    now = timezone.now()
    record.shared_at = now
    record.shared_by = acting_user
    validated_save(record, update_fields=["status", "shared_at", "shared_by"])
    _set_pending_recipients(record, recipients)
    due = record.acknowledge_due_from(now)
    for recipient in record.recipients.all():
        recipient.notified_at = now
        recipient.acknowledge_due_at = due
        recipient.save(update_fields=["notified_at", "acknowledge_due_at"])
    urgency = {
        InformationSharingRecord.Urgency.URGENT: "An urgent record",
        InformationSharingRecord.Urgency.PRIORITY: "A priority record",
    }.get(record.urgency, "A record")
    due_text = date_format(timezone.localtime(due), "j F Y, H:i")
    for user in recipients:
        grant(user, record, "view_informationsharingrecord", "acknowledge_record")
        # Nothing of the record's text: the page behind the link checks access itself.
        notify(
            recipient=user,
            subject=f"CoSA: {urgency.lower()} is waiting for your acknowledgement",
            link=_record_link(record),
            body=f"{urgency} has been shared with you. "
            f"Please read it and acknowledge it by {due_text}.",
        )
    concern = record.source_concern
    if concern is not None:
        from circles import services as circle_services
        from circles.models import Concern

        if concern.status == Concern.Status.RAISED:
            circle_services.concern_triage(
                concern=concern, acting_user=acting_user, notes="Shared with the outer circle."
            )
        if concern.status == Concern.Status.TRIAGED:
            circle_services.concern_mark_shared(
                concern=concern, record=record, acting_user=acting_user
            )
    return record


@service
@transaction.atomic
def record_acknowledge(
    *, record: InformationSharingRecord, acting_user: User, response: str
) -> RecordRecipient:
    if not response.strip():
        raise ValidationError({"response": "Say what you did or will do with this information."})
    # Lock the record so two recipients acknowledging at once both count.
    record = InformationSharingRecord.objects.select_for_update().get(pk=record.pk)
    if not record.is_shared:
        raise ValidationError("This record has not been shared.")
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
