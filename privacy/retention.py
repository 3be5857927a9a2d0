"""Data-subject rights and retention for Core Members.

- ``subject_access_export``: everything held about one Core Member, as a dictionary
  ready for JSON, with volunteers' identities redacted.
- Retention: a closed record (no open circle; last circle ended, or the referral
  declined or withdrawn) is erased ``COSA_RETAIN_CORE_MEMBER_YEARS`` after it closed,
  unless a manager has put it on legal hold. ``retention_sweep`` runs daily.
- ``core_member_erase`` removes the record, everything that hangs off it, the change
  history of all of it, and uploaded documents; it writes an ErasureLog row. The
  access log keeps its rows (who looked, when; no content) as the audit trail must.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    DateField,
    Exists,
    Max,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from accounts.models import AccessLog, User
from coreMembers.models import CoreMember, Referral
from cosa.services import service, validated_save
from documents.models import Document
from documents.services import documents_erase
from formpages.models import Draft
from outcomes.models import OutcomeEvent
from privacy.models import ErasureLog
from sharing.models import InformationSharingRecord, RecordRecipient
from volunteering.models import ExpenseClaim, SupervisionDebrief
from volunteers.models import Volunteer, VolunteerHours

CLOSED_REFERRAL_STATES = ("DECLINED", "WITHDRAWN")


# Legal hold -----------------------------------------------------------------------------


@service
@transaction.atomic
def legal_hold_set(*, core_member: CoreMember, acting_user: User, reason: str) -> CoreMember:
    _require_manager(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"legal_hold_reason": "Say why the record is held."})
    core_member.legal_hold = True
    core_member.legal_hold_reason = reason[:300]
    core_member.legal_hold_since = timezone.now()
    validated_save(
        core_member, update_fields=["legal_hold", "legal_hold_reason", "legal_hold_since"]
    )
    return core_member


@service
@transaction.atomic
def legal_hold_release(*, core_member: CoreMember, acting_user: User) -> CoreMember:
    _require_manager(acting_user)
    if not core_member.legal_hold:
        raise ValidationError("This record is not on legal hold.")
    core_member.legal_hold = False
    core_member.legal_hold_reason = ""
    core_member.legal_hold_since = None
    core_member.save(update_fields=["legal_hold", "legal_hold_reason", "legal_hold_since"])
    return core_member


def _require_manager(user):
    if not user.is_manager or not user.is_active:
        raise ValidationError("Only a service manager can do this.")


# When a record closes ---------------------------------------------------------------------


def with_closed_on(core_members=None):
    """Core Members annotated with ``closed_on``: the day the record closed, in the database.

    NULL while a circle or referral is open, or when nothing has closed yet (accepted but
    no circle). Otherwise the later of the last circle's end and the last declined or
    withdrawn referral's decision day (London time). One query for any number of rows.
    """
    from circles.models import Circle

    core_members = CoreMember.objects.all() if core_members is None else core_members
    circles = Circle.objects.filter(core_member=OuterRef("pk"))
    referrals = Referral.objects.filter(core_member=OuterRef("pk"))
    last_ended = Subquery(
        circles.order_by().values("core_member").annotate(last=Max("ended_on")).values("last")
    )
    last_decided = Subquery(
        referrals.filter(status__in=CLOSED_REFERRAL_STATES)
        .order_by()
        .values("core_member")
        .annotate(last=Max(TruncDate("decided_at")))
        .values("last")
    )
    # GREATEST of two dates, either of which may be NULL (SQLite's max() is NULL then).
    latest = Greatest(Coalesce(last_ended, last_decided), Coalesce(last_decided, last_ended))
    open_now = Exists(circles.exclude(status="ENDED")) | Exists(
        referrals.exclude(status__in=[*CLOSED_REFERRAL_STATES, "ACCEPTED"])
    )
    return core_members.annotate(
        closed_on=Case(When(open_now, then=Value(None)), default=latest, output_field=DateField())
    )


def closed_on(core_member: CoreMember) -> datetime.date | None:
    """The day the record closed, or None while it is open (an open circle or referral)."""
    return with_closed_on().values_list("closed_on", flat=True).get(pk=core_member.pk)


def retention_due_on(core_member: CoreMember) -> datetime.date | None:
    closed = closed_on(core_member)
    if closed is None:
        return None
    return closed + relativedelta(years=settings.COSA_RETAIN_CORE_MEMBER_YEARS)


def retention_due(today: datetime.date | None = None):
    """(core member, closed on, due on) for every record past its retention date, not held.

    One query, whatever the number of closed records.
    """
    today = today or timezone.localdate()
    years = relativedelta(years=settings.COSA_RETAIN_CORE_MEMBER_YEARS)
    candidates = with_closed_on(
        CoreMember.objects.filter(
            status__in=[CoreMember.Status.ENDED, CoreMember.Status.NOT_ACCEPTED],
            legal_hold=False,
        )
    ).filter(closed_on__isnull=False, closed_on__lte=today - years)
    return [
        (core_member, core_member.closed_on, core_member.closed_on + years)
        for core_member in candidates.order_by("reference")
    ]


# Erasure --------------------------------------------------------------------------------


@service
@transaction.atomic
def core_member_erase(
    *,
    core_member: CoreMember,
    acting_user: User | None,
    basis: str,
    reason: str,
) -> ErasureLog:
    """Erase a closed Core Member record completely; refuse while open or on hold."""
    from circles.models import (
        Circle,
        CircleMembership,
        Concern,
        ConcernAction,
        Covenant,
        FrequencyChange,
        Meeting,
        MeetingNote,
        MeetingObservation,
        Reminder,
        ReviewMilestone,
        SafeguardingContact,
    )
    from loneworking.models import Alert, AlertRecipient, CheckIn
    from outcomes.models import FollowUpCheck
    from reports.models import MeetingReportSummary

    if acting_user is not None:
        _require_manager(acting_user)
    core_member = CoreMember.objects.select_for_update().get(pk=core_member.pk)
    if core_member.legal_hold:
        raise ValidationError("This record is on legal hold and cannot be erased.")
    closed = closed_on(core_member)
    if closed is None:
        raise ValidationError("Only a closed record can be erased: a circle or referral is open.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record is erased."})

    circles = Circle.objects.filter(core_member=core_member)
    meetings = Meeting.objects.filter(circle__in=circles)
    notes = MeetingNote.objects.filter(meeting__in=meetings)
    concerns = Concern.objects.filter(circle__in=circles)
    records = InformationSharingRecord.objects.filter(core_member=core_member)
    referrals = Referral.objects.filter(core_member=core_member)
    recipients = RecordRecipient.objects.filter(record__in=records)
    milestones = ReviewMilestone.objects.filter(circle__in=circles)

    # Reminders point at rows by id; they go with their objects.
    reminder_objects = {
        "circles.Meeting": meetings,
        "circles.ReviewMilestone": milestones,
        "circles.Concern": concerns,
        "sharing.RecordRecipient": recipients,
    }
    # Every kind of reminder about this record's rows goes (DBS rechecks and supervision
    # are about a volunteer, not the Core Member): a new kind must be added here or this refuses.
    about_volunteers = {"volunteers.DBSCheck", "volunteers.Volunteer"}
    uncovered = set(Reminder.KIND_MODELS.values()) - set(reminder_objects) - about_volunteers
    if uncovered:
        raise RuntimeError(f"Erasure does not cover the reminders of {sorted(uncovered)}")
    for kind, model_label in Reminder.KIND_MODELS.items():
        if model_label in reminder_objects:
            ids = list(reminder_objects[model_label].values_list("pk", flat=True))
            Reminder.objects.filter(kind=kind, object_id__in=ids)._raw_delete(Reminder.objects.db)

    counts = {}
    # A concern passed on and the record it became protect each other: unlink the
    # record's side (both go below, in this transaction), then the concern goes first.
    records.filter(source_concern__isnull=False).update(source_concern=None)
    # Children before parents: the foreign keys PROTECT against accidental deletion.
    steps = [
        ConcernAction.objects.filter(concern__in=concerns),
        concerns,
        RecordRecipient.objects.filter(record__in=records),
        records.filter(addendum_to__isnull=False),
        records,
        SafeguardingContact.objects.filter(core_member=core_member),
        MeetingObservation.objects.filter(note__in=notes),
        notes,
        meetings,
        CircleMembership.objects.filter(circle__in=circles),
        Covenant.objects.filter(circle__in=circles),
        # Before the reviews that decided them.
        FrequencyChange.objects.filter(circle__in=circles),
        milestones,
        # Outcomes: both PROTECT their circle, so they go before it.
        FollowUpCheck.objects.filter(circle__in=circles),
        OutcomeEvent.objects.filter(core_member=core_member),
        # Lone-working check-ins (a volunteer's phone number and venue) PROTECT their circle.
        AlertRecipient.objects.filter(alert__checkin__circle__in=circles),
        Alert.objects.filter(checkin__circle__in=circles),
        CheckIn.objects.filter(circle__in=circles),
        # The coordinator's summaries of his meeting reports (MAPPA, offender manager).
        MeetingReportSummary.objects.filter(core_member=core_member),
    ]
    for queryset in steps:
        _delete_with_history(queryset, counts)
    # His documents and his circles' (rows now, files once the erasure commits).
    _count(counts, Document, documents_erase(Document.objects.about_core_member(core_member)))
    # Unsent drafts about him, whoever was typing them.
    _delete_with_history(Draft.objects.about_core_member(core_member.pk), counts)
    groups = [c.volunteer_group for c in circles if c.volunteer_group_id]
    # Volunteers' hours are their record, not his: they stay, unlinked from his circles
    # and meetings (the hours' circle is PROTECTed against an accidental delete).
    VolunteerHours.objects.filter(circle__in=circles).update(circle=None, meeting=None)
    _delete_with_history(circles, counts)
    for group in groups:
        group.delete()
    for referral in referrals.prefetch_related("documents"):
        for document in referral.documents.all():
            document.file.delete(save=False)
    from coreMembers.models import ReferralDocument

    _delete_with_history(ReferralDocument.objects.filter(referral__in=referrals), counts)
    _delete_with_history(referrals, counts)
    for related in ("mappa_history", "risk_assessments", "sharing_agreements"):
        _delete_with_history(getattr(core_member, related).all(), counts)
    _delete_with_history(core_member.liaison_assignments.all(), counts)
    reference = core_member.reference
    # The record's own fields go with it, the home and exclusion districts (licence and
    # SHPO zones, victims' areas) included, and so do their history rows.
    _delete_with_history(CoreMember.objects.filter(pk=core_member.pk), counts)
    return ErasureLog.objects.create(
        reference=reference,
        erased_by=acting_user,
        basis=basis,
        reason=reason[:300],
        closed_on=closed,
        counts={label: n for label, n in sorted(counts.items()) if n},
    )


def _count(counts, model, n):
    if n:
        label = model._meta.label_lower
        counts[label] = counts.get(label, 0) + n


def _delete_with_history(queryset, counts):
    model = queryset.model
    pks = list(queryset.values_list("pk", flat=True))
    if not pks:
        return
    history = getattr(model, "history", None)
    queryset.model.objects.filter(pk__in=pks).delete()
    if history is not None:
        # Deleting writes a last history row holding every field: purge all of them.
        history.model.objects.filter(id__in=pks).delete()
    label = model._meta.label_lower
    counts[label] = counts.get(label, 0) + len(pks)


def retention_sweep(today: datetime.date | None = None) -> list[ErasureLog]:
    """Erase every record whose retention period has ended (the daily task calls this)."""
    erased = []
    for core_member, _closed, due_on in retention_due(today):
        erased.append(
            core_member_erase(
                core_member=core_member,
                acting_user=None,
                basis=ErasureLog.Basis.RETENTION,
                reason=f"Retention period of {settings.COSA_RETAIN_CORE_MEMBER_YEARS} years "
                f"ended on {due_on:%d %B %Y}.",
            )
        )
    return erased


# Subject access -------------------------------------------------------------------------


class _Redactor:
    """Stable pseudonyms for volunteers (Volunteer A, B, ...) within one export."""

    def __init__(self):
        self.names = {}

    def __call__(self, user):
        if user is None:
            return None
        if not user.is_volunteer:
            return f"{user.get_full_name()} ({user.get_role_display()})"
        if user.pk not in self.names:
            index = len(self.names)
            letters = ""
            while True:
                letters = chr(ord("A") + index % 26) + letters
                index = index // 26 - 1
                if index < 0:
                    break
            self.names[user.pk] = f"Volunteer {letters}"
        return self.names[user.pk]


def _fields(obj, exclude=()):
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.is_relation:
            continue
        value = getattr(obj, field.attname)
        if hasattr(obj, f"get_{field.name}_display") and field.choices:
            value = getattr(obj, f"get_{field.name}_display")()
        data[field.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def subject_access_export(core_member: CoreMember) -> dict:
    """Everything held about one Core Member, volunteers' identities redacted."""
    from reports.models import MeetingReportSummary

    redact = _Redactor()
    circles = []
    for circle in core_member.circles.select_related("coordinator").order_by("pk"):
        meetings = []
        for meeting in circle.meetings.order_by("starts_at").prefetch_related(
            "notes__author", "notes__volunteers_present__user", "notes__observations__author"
        ):
            entry = _fields(meeting, exclude=("id",))
            entry["minutes"] = [
                {
                    **_fields(note, exclude=("id",)),
                    "author": redact(note.author),
                    "volunteers_present": [redact(v.user) for v in note.volunteers_present.all()],
                    "observations": [
                        {**_fields(o, exclude=("id",)), "author": redact(o.author)}
                        for o in note.observations.all()
                    ],
                }
                for note in meeting.notes.all()
            ]
            meetings.append(entry)
        circles.append(
            {
                **_fields(circle, exclude=("id",)),
                "coordinator": redact(circle.coordinator),
                "volunteers": [
                    {
                        "volunteer": redact(m.volunteer.user),
                        "role": m.get_role_display(),
                        "joined_on": m.joined_on.isoformat(),
                        "left_on": m.left_on.isoformat() if m.left_on else None,
                    }
                    for m in circle.memberships.select_related("volunteer__user").order_by("pk")
                ],
                "covenants": [_fields(c, exclude=("id",)) for c in circle.covenants.all()],
                "reviews": [_fields(r, exclude=("id",)) for r in circle.milestones.all()],
                "frequency_history": [
                    {
                        **_fields(f, exclude=("id",)),
                        "review": f.review.get_kind_display() if f.review else None,
                        "decided_by": redact(f.decided_by),
                    }
                    for f in circle.frequency_changes.select_related(
                        "review", "decided_by"
                    ).order_by("pk")
                ],
                "meetings": meetings,
                "concerns": [
                    {
                        **_fields(c, exclude=("id",)),
                        "raised_by": redact(c.raised_by),
                        "actions": [
                            {**_fields(a, exclude=("id",)), "acted_by": redact(a.acted_by)}
                            for a in c.actions.select_related("acted_by")
                        ],
                    }
                    for c in circle.concerns.select_related("raised_by").order_by("pk")
                ],
                # The volunteer's phone number and the link's token digest are theirs,
                # not his; what happened and when is.
                "lone_working_checkins": [
                    {
                        **_fields(c, exclude=("id", "phone", "token_hash")),
                        "volunteer": redact(c.volunteer),
                        "alerts": [_fields(a, exclude=("id",)) for a in c.alerts.all()],
                    }
                    for c in circle.lone_checkins.select_related("volunteer")
                    .prefetch_related("alerts")
                    .order_by("started_at", "pk")
                ],
                "follow_up_checks": [
                    {
                        **_fields(f, exclude=("id",)),
                        "checked_with": f.checked_with.name,
                        "recorded_by": redact(f.recorded_by),
                    }
                    for f in circle.follow_up_checks.select_related(
                        "checked_with", "recorded_by"
                    ).order_by("months")
                ],
            }
        )
    records = []
    shared = list(
        core_member.shared_records.order_by("pk").prefetch_related("recipients__liaison__agency")
    )
    numbers = {record.pk: index for index, record in enumerate(shared, start=1)}
    for record in shared:
        records.append(
            {
                "number": numbers[record.pk],
                **_fields(record, exclude=("id",)),
                "addendum_to": numbers.get(record.addendum_to_id),
                "recipients": [
                    {
                        "recipient": redact(r.liaison),
                        "agency": r.liaison.agency.name if r.liaison.agency_id else None,
                        **_fields(r, exclude=("id",)),
                    }
                    for r in record.recipients.all()
                ],
            }
        )
    return {
        "export": {
            "kind": "Subject access export",
            "made_at": timezone.now().isoformat(),
            "note": "Volunteers' identities are redacted (Volunteer A, B, ...).",
        },
        # His own fields, the home and exclusion districts among them.
        "core_member": _fields(core_member, exclude=("id",)),
        "mappa_history": [_fields(m, exclude=("id",)) for m in core_member.mappa_history.all()],
        "referrals": [
            {
                **_fields(r, exclude=("id",)),
                "source_agency": r.source_agency.name,
                "documents": [d.file.name.rsplit("/", 1)[-1] for d in r.documents.all()],
            }
            for r in core_member.referrals.select_related("source_agency").order_by("pk")
        ],
        "risk_assessments": [
            _fields(r, exclude=("id",)) for r in core_member.risk_assessments.order_by("pk")
        ],
        "safeguarding_contacts": [
            _fields(c, exclude=("id", "created_by"))
            for c in core_member.safeguarding_contacts.order_by("pk")
        ],
        "sharing_agreements": [
            {
                **_fields(a, exclude=("id",)),
                "agencies": [agency.name for agency in a.agencies.all()],
            }
            for a in core_member.sharing_agreements.order_by("pk")
        ],
        "liaisons": [
            {
                **_fields(a, exclude=("id",)),
                "liaison": redact(a.liaison),
                "agency": a.liaison.agency.name if a.liaison.agency_id else None,
            }
            for a in core_member.liaison_assignments.select_related("liaison__agency")
        ],
        "circles": circles,
        "outcome_events": [
            {
                **_fields(e, exclude=("id",)),
                "circle": e.circle.name if e.circle_id else None,
                "source_agency": e.source_agency.name,
                "recorded_by": redact(e.recorded_by),
            }
            for e in core_member.outcome_events.select_related(
                "circle", "source_agency", "recorded_by"
            ).order_by("occurred_on", "pk")
        ],
        "shared_records": records,
        # The index of his documents and his circles' (the files themselves on request).
        "documents": [
            {
                "on": "circle " + d.circle.name if d.circle_id else "Core Member",
                "title": d.title,
                "kind": d.get_category_display(),
                "dated": d.document_date.isoformat(),
                "file": d.original_name,
                "uploaded_at": d.uploaded_at.isoformat(),
                "uploaded_by": redact(d.uploaded_by),
            }
            for d in Document.objects.about_core_member(core_member)
            .select_related("circle", "uploaded_by")
            .order_by("document_date", "pk")
        ],
        "meeting_report_summaries": [
            {
                **_fields(s, exclude=("id", "version")),
                "written_by": redact(s.written_by),
            }
            for s in MeetingReportSummary.objects.filter(core_member=core_member)
            .select_related("written_by")
            .order_by("date_from", "pk")
        ],
        # Text typed on a form about him and not yet sent, kept on the server as a draft.
        "drafts": [
            {
                "author": redact(draft.author),
                "page": draft.path,
                "saved_at": draft.updated_at.isoformat(),
                "expires_at": draft.expires_at.isoformat(),
                "text": draft.data,
            }
            for draft in Draft.objects.about_core_member(core_member.pk)
            .select_related("author")
            .order_by("updated_at", "pk")
        ],
        "access_log": [
            {
                "at": row.at.isoformat(),
                "who": redact(row.user) if row.user_id else None,
                "action": row.get_action_display(),
                "what": row.object_type,
            }
            for row in AccessLog.objects.filter(core_member_id=core_member.pk)
            .select_related("user")
            .order_by("at")
        ],
    }


def volunteer_export(volunteer: Volunteer) -> dict:
    """Everything held about one volunteer (their subject-access request): the record,
    vetting, training, supervision, hours, expense claims, debriefs, lone-working
    check-ins, documents, drafts, their bell and staff alerts about them. Core Members
    appear by their circle's name only; supervision notes are the volunteer's data too."""
    from documents.models import DBSDecision
    from loneworking.models import CheckIn
    from privacy.volunteers import alerts_about

    user = volunteer.user
    return {
        "volunteer": _fields(volunteer),
        "user": {
            "name": user.get_full_name(),
            "email": user.email,
            "phone": user.phone,
        },
        "districts": [_fields(d) for d in volunteer.districts.order_by("pk")],
        "dbs_checks": [_fields(c) for c in volunteer.dbs_checks.order_by("pk")],
        "dbs_decisions": [
            {
                **_fields(d, exclude=("scan", "scan_sha256")),
                "certificate_number": d.dbs_check.certificate_number,
                "scan": d.scan_original_name or None,
            }
            for d in DBSDecision.objects.filter(dbs_check__volunteer=volunteer)
            .select_related("dbs_check")
            .order_by("pk")
        ],
        "references": [_fields(r) for r in volunteer.references.order_by("pk")],
        "training": [_fields(t) for t in volunteer.training.order_by("pk")],
        "supervision": [
            {**_fields(s), "coordinator": s.coordinator.get_full_name()}
            for s in volunteer.supervision_sessions.select_related("coordinator").order_by("pk")
        ],
        "hours": [
            {**_fields(h), "circle": h.circle.name if h.circle else None}
            for h in volunteer.hours.select_related("circle").order_by("pk")
        ],
        "expense_claims": [
            {
                **_fields(c, exclude=("receipt",)),
                "circle": c.circle.name if c.circle else None,
                "receipt": c.receipt.name or None,
            }
            for c in ExpenseClaim.objects.filter(volunteer=volunteer)
            .select_related("circle")
            .order_by("pk")
        ],
        "debriefs": [
            {**_fields(d), "circle": d.circle.name if d.circle else None}
            for d in SupervisionDebrief.objects.filter(volunteer=volunteer)
            .select_related("circle")
            .order_by("pk")
        ],
        # The link's token digest is a credential, not information about them.
        "lone_working_checkins": [
            {**_fields(c, exclude=("token_hash",)), "circle": c.circle.name}
            for c in CheckIn.objects.filter(volunteer=user).select_related("circle")
        ],
        "documents": [
            {
                "title": d.title,
                "kind": d.get_category_display(),
                "dated": d.document_date.isoformat(),
                "file": d.original_name,
                "uploaded_at": d.uploaded_at.isoformat(),
            }
            for d in volunteer.documents.order_by("document_date", "pk")
        ],
        "drafts": [
            {"page": d.path, "saved_at": d.updated_at.isoformat(), "text": d.data}
            for d in Draft.objects.filter(author=user).order_by("updated_at", "pk")
        ],
        "notifications": [
            {"subject": n.subject, "body": n.body, "at": n.created_at.isoformat()}
            for n in user.notifications.order_by("created_at", "pk")
        ],
        # Staff alerts about them (their account locked, a DBS recheck due): the rule
        # erasure rewords them by. Whose bell by role only.
        "alerts_to_staff_about_them": [
            {
                "subject": n.subject,
                "body": n.body,
                "at": n.created_at.isoformat(),
                "to": n.recipient.get_role_display(),
            }
            for n in alerts_about(volunteer).order_by("created_at", "pk")
        ],
    }
