"""Writes for the shared records: compose, send, approve an override, acknowledge."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.grants import grant, revoke
from accounts.models import User
from accounts.notifications import notify
from circles import services as circle_services
from circles.models import Concern
from coreMembers.models import CoreMember, CoreMemberUserObjectPermission, LiaisonAssignment
from coreMembers.services import _require_role
from cosa.services import service, transition, validated_save
from formpages import versions
from sharing.models import InformationSharingRecord, RecordRecipient

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
    return reverse("sharing:record_detail", args=[record.pk])


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
    *,
    record: InformationSharingRecord,
    acting_user: User,
    version: int | None = None,
    **changes,
) -> InformationSharingRecord:
    """Change a draft (or a declined override). A shared record refuses every change.

    ``version`` is the one the edit began at (the edit page's hidden field): a draft
    saved by someone else since then raises ``versions.StaleEdit``. None (the shell, a
    task) means the version ``record`` was loaded at.
    """
    _check_editable(record)
    _require_role(acting_user, User.Role.MANAGER, User.Role.COORDINATOR)
    unknown = set(changes) - {*RECORD_EDITABLE_FIELDS, "override_reason", "recipients"}
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    versions.advance(record, version)
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
def record_update_and_send(
    *,
    record: InformationSharingRecord,
    recipients,
    acting_user: User,
    version: int | None = None,
    **changes,
) -> InformationSharingRecord:
    """Change a draft and send it, or nothing: a refused send keeps the draft as it was.

    ``version`` as for ``record_update``: a draft changed since the edit began is
    neither changed nor sent.
    """
    recipients = list(recipients)
    record_update(
        record=record, acting_user=acting_user, recipients=recipients, version=version, **changes
    )
    return record_send(record=record, recipients=recipients, acting_user=acting_user)


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
            link=reverse("sharing:record_approvals"),
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


def records_revoke_for_ended_cover(*, assignment: LiaisonAssignment, **_signal):
    """The liaison whose cover ended loses the records sent to them about that Core Member.

    Connected to ``coreMembers.signals.liaison_cover_ended`` (SharingConfig.ready), so it
    runs inside the transaction that ends the cover.
    """
    for record in InformationSharingRecord.objects.filter(
        core_member=assignment.core_member, recipients__liaison=assignment.liaison
    ):
        revoke(assignment.liaison, record, "view_informationsharingrecord", "acknowledge_record")
