"""The audit trail in words: who read, exported, shared or changed what, and when.

Two stores make one trail. The access log (accounts.AccessLog) holds every read,
export, share and sign-in; django-simple-history holds every change, one table per
model. ``trail_entries`` merges them in one ``UNION ALL`` ordered by time, so a page
of the trail is two queries (its count and its rows) whatever it holds, and one when
the filter leaves a single part (reads only, say: the rows carry the count); ``resolve``
then names a page's people and objects in bulk, one query per kind of object on the
page (never per row), and diffs each change against the version before it.

This module sits in the top layer (privacy) because it names the objects of every app.
Values of the fields in ``Kind.sensitive`` (offence details, risk notes, the minutes,
what was shared) are shown only to a viewer ``privacy.access`` lets see them.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    CharField,
    F,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import AccessLog, User
from circles.models import (
    Circle,
    CircleMembership,
    Concern,
    Covenant,
    Meeting,
    MeetingNote,
    MeetingObservation,
    ReviewMilestone,
)
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaRecord,
    Referral,
    ReferralDocument,
    RiskAssessment,
    SharingAgreement,
)
from documents.models import Document
from outcomes.models import FollowUpCheck, OutcomeEvent
from sharing.models import InformationSharingRecord, RecordRecipient
from volunteers.models import (
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    Volunteer,
    VolunteerHours,
)

MASK = "(hidden)"
# Fields no reader of the trail needs: bookkeeping, not facts about the person.
NOISE_FIELDS = {"version", "password", "last_login"}


def _day(value):
    return f"{value:%-d %b %Y}" if value else "no date"


def _local_day(moment):
    return _day(timezone.localtime(moment)) if moment else "no date"


def _circle_name(circle):
    name = circle.name
    return name if name.lower().startswith("the ") else f"the {name}"


def _person(core_member):
    return f"{core_member.reference} ({core_member.display_name})"


def _volunteer(volunteer):
    return volunteer.user.get_full_name() or f"volunteer #{volunteer.pk}"


@dataclass(frozen=True)
class Kind:
    """One kind of object the trail names: how to say it, how to find a Core Member's."""

    label: str
    name: str
    model: type
    describe: object
    related: tuple = ()
    # Q on the model's own columns (live or historical) for one Core Member's rows.
    of_core_member: object = None
    sensitive: frozenset = field(default_factory=frozenset)
    # Kinds kept without a change history (documents: a file is added or removed, never
    # edited) appear through the access log only.
    has_history: bool = True


def _by_core_member(cm):
    return Q(core_member_id=cm)


def _by_circle(cm):
    return Q(circle_id__in=Circle.objects.filter(core_member_id=cm).values("pk"))


KINDS = {
    kind.label: kind
    for kind in (
        Kind(
            "core_members.coremember",
            "Core Members",
            CoreMember,
            lambda o: f"Core Member {_person(o)}",
            of_core_member=lambda cm: Q(id=cm),
            sensitive=frozenset(
                {
                    "offence_summary",
                    "shpo_prohibitions",
                    "needs_and_adaptations",
                    "legal_hold_reason",
                }
            ),
        ),
        Kind(
            "core_members.referral",
            "Referrals",
            Referral,
            lambda o: f"Referral of {_person(o.core_member)}, received {_day(o.received_on)}",
            ("core_member",),
            _by_core_member,
            frozenset({"reason", "decision_reason"}),
        ),
        Kind(
            "core_members.referraldocument",
            "Referral documents",
            ReferralDocument,
            lambda o: f"A document of the referral of {_person(o.referral.core_member)}",
            ("referral__core_member",),
            lambda cm: Q(referral_id__in=Referral.objects.filter(core_member_id=cm).values("pk")),
        ),
        Kind(
            "core_members.riskassessment",
            "Risk assessments",
            RiskAssessment,
            lambda o: f"Risk assessment of {_person(o.core_member)}, {_day(o.assessed_on)}",
            ("core_member",),
            _by_core_member,
            frozenset({"score", "band"}),
        ),
        Kind(
            "core_members.mapparecord",
            "MAPPA records",
            MappaRecord,
            lambda o: f"MAPPA record of {_person(o.core_member)} from {_day(o.effective_from)}",
            ("core_member",),
            _by_core_member,
        ),
        Kind(
            "core_members.sharingagreement",
            "Sharing agreements",
            SharingAgreement,
            lambda o: f"Sharing agreement v{o.version} of {_person(o.core_member)}",
            ("core_member",),
            _by_core_member,
            frozenset({"withdrawal_reason"}),
        ),
        Kind(
            "core_members.liaisonassignment",
            "Liaison assignments",
            LiaisonAssignment,
            lambda o: f"{o.liaison.get_full_name()}'s cover of {_person(o.core_member)}",
            ("core_member", "liaison"),
            _by_core_member,
        ),
        Kind(
            "circles.circle",
            "Circles",
            Circle,
            lambda o: f"Circle: {_circle_name(o)} of {_person(o.core_member)}",
            ("core_member",),
            _by_core_member,
            frozenset({"outcome_notes"}),
        ),
        Kind(
            "circles.circlemembership",
            "Circle memberships",
            CircleMembership,
            lambda o: f"{_volunteer(o.volunteer)} in {_circle_name(o.circle)}",
            ("circle", "volunteer__user"),
            _by_circle,
            frozenset({"leaving_reason"}),
        ),
        Kind(
            "circles.covenant",
            "Covenants",
            Covenant,
            lambda o: f"Covenant v{o.version} of {_circle_name(o.circle)}",
            ("circle",),
            _by_circle,
            frozenset({"goals"}),
        ),
        Kind(
            "circles.meeting",
            "Meetings",
            Meeting,
            lambda o: f"Meeting of {_circle_name(o.circle)}, {_local_day(o.starts_at)}",
            ("circle",),
            _by_circle,
        ),
        Kind(
            "circles.meetingnote",
            "Minutes",
            MeetingNote,
            lambda o: (
                f"Minutes of {_circle_name(o.meeting.circle)}, {_local_day(o.meeting.starts_at)}"
            ),
            ("meeting__circle",),
            lambda cm: Q(
                meeting_id__in=Meeting.objects.filter(circle__core_member_id=cm).values("pk")
            ),
            frozenset(
                {
                    "summary",
                    "absence_reason",
                    "review_comment",
                    "attendance",
                    *MeetingNote.RISK_FIELDS,
                }
            ),
        ),
        Kind(
            "circles.meetingobservation",
            "Observations on minutes",
            MeetingObservation,
            lambda o: (
                f"An observation on the minutes of {_circle_name(o.note.meeting.circle)}, "
                f"{_local_day(o.note.meeting.starts_at)}"
            ),
            ("note__meeting__circle",),
            lambda cm: Q(
                note_id__in=MeetingNote.objects.filter(meeting__circle__core_member_id=cm).values(
                    "pk"
                )
            ),
            frozenset({"text"}),
        ),
        Kind(
            "circles.concern",
            "Concerns",
            Concern,
            lambda o: f"Concern in {_circle_name(o.circle)}, raised {_local_day(o.raised_at)}",
            ("circle",),
            _by_circle,
            frozenset({"description", "triage_notes", "closed_reason"}),
        ),
        Kind(
            "circles.reviewmilestone",
            "Reviews",
            ReviewMilestone,
            lambda o: f"Review of {_circle_name(o.circle)} due {_day(o.due_on)}",
            ("circle",),
            _by_circle,
            frozenset({"progress_notes", "attendees"}),
        ),
        Kind(
            "sharing.informationsharingrecord",
            "Shared records",
            InformationSharingRecord,
            lambda o: f"Shared record about {_person(o.core_member)}, {_local_day(o.created_at)}",
            ("core_member",),
            _by_core_member,
            frozenset({"summary", "details", "override_reason"}),
        ),
        Kind(
            "sharing.recordrecipient",
            "Record recipients",
            RecordRecipient,
            lambda o: (
                f"{o.liaison.get_full_name()}'s copy of a record about "
                f"{_person(o.record.core_member)}"
            ),
            ("liaison", "record__core_member"),
            lambda cm: Q(
                record_id__in=InformationSharingRecord.objects.filter(core_member_id=cm).values(
                    "pk"
                )
            ),
            frozenset({"response"}),
        ),
        Kind(
            "documents.document",
            "Documents",
            Document,
            lambda o: f"Document: {o.title} ({o.get_category_display()}, {_day(o.document_date)})",
            of_core_member=lambda cm: (
                Q(core_member_id=cm)
                | Q(circle_id__in=Circle.objects.filter(core_member_id=cm).values("pk"))
            ),
            has_history=False,
        ),
        Kind(
            "outcomes.outcomeevent",
            "Outcomes",
            OutcomeEvent,
            lambda o: f"Outcome for {_person(o.core_member)}, {_day(o.occurred_on)}",
            ("core_member",),
            _by_core_member,
            frozenset({"offence_type", "note"}),
        ),
        Kind(
            "outcomes.followupcheck",
            "Follow-up checks",
            FollowUpCheck,
            lambda o: f"Follow-up check of {_circle_name(o.circle)}, {_day(o.checked_on)}",
            ("circle",),
            _by_circle,
            frozenset({"note"}),
        ),
        Kind(
            "volunteers.volunteer",
            "Volunteers",
            Volunteer,
            lambda o: f"Volunteer {_volunteer(o)}",
            ("user",),
            sensitive=frozenset({"notes", "exit_reason"}),
        ),
        Kind(
            "volunteers.dbscheck",
            "DBS checks",
            DBSCheck,
            lambda o: f"DBS check of {_volunteer(o.volunteer)}, issued {_day(o.issued_on)}",
            ("volunteer__user",),
            sensitive=frozenset({"certificate_number"}),
        ),
        Kind(
            "volunteers.reference",
            "Volunteer references",
            Reference,
            lambda o: f"Reference for {_volunteer(o.volunteer)}",
            ("volunteer__user",),
            sensitive=frozenset({"notes"}),
        ),
        Kind(
            "volunteers.trainingrecord",
            "Training records",
            TrainingRecord,
            lambda o: f"Training of {_volunteer(o.volunteer)}",
            ("volunteer__user",),
            sensitive=frozenset({"notes"}),
        ),
        Kind(
            "volunteers.supervisionsession",
            "Supervision sessions",
            SupervisionSession,
            lambda o: f"Supervision of {_volunteer(o.volunteer)}, {_day(o.held_on)}",
            ("volunteer__user",),
            sensitive=frozenset({"notes"}),
        ),
        Kind(
            "volunteers.volunteerhours",
            "Volunteer hours",
            VolunteerHours,
            lambda o: f"Hours of {_volunteer(o.volunteer)}, {_day(o.worked_on)}",
            ("volunteer__user",),
            sensitive=frozenset({"note"}),
        ),
        Kind(
            "accounts.user",
            "User accounts",
            User,
            lambda o: f"User account of {o.get_full_name() or o.email}",
        ),
    )
}
# Access-log rows about no object: sign-ins, lists, searches.
NO_OBJECT = "none"


# What happened ---------------------------------------------------------------------------

A = AccessLog.Action
WHAT = {
    "read": ("Read", (A.VIEW, A.LIST, A.SEARCH)),
    "export": ("Export", (A.EXPORT,)),
    "share": ("Share", (A.SHARE, A.ACKNOWLEDGE)),
    "refused": ("Refused", (A.REFUSED,)),
    "sign_in": (
        "Sign-in",
        (
            A.LOGIN,
            A.LOGIN_FAILED,
            A.LOGOUT,
            A.TWO_FACTOR_PASSED,
            A.TWO_FACTOR_ENROLLED,
            A.TWO_FACTOR_REPLACED,
            A.BACKUP_CODES_NEW,
            A.ENROLMENT_CODE_ISSUED,
            A.ENROLMENT_CODE_USED,
        ),
    ),
    # From the change history, not the access log.
    "change": ("Change", ()),
}
WHAT_OF_ACTION = {action: what for what, (_, actions) in WHAT.items() for action in actions}
HISTORY_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class TrailFilter:
    user: object = None
    kind: str = ""
    what: str = ""
    core_member: object = None
    starts: datetime.datetime | None = None
    ends: datetime.datetime | None = None


# The access log's own detail and path ride along, so a page needs no second read of it.
_COLUMNS = (
    "source",
    "moment",
    "who",
    "object_kind",
    "object_key",
    "row",
    "act",
    "log_detail",
    "log_path",
)


def _log_part(f):
    rows = AccessLog.objects.order_by()
    if f.user is not None:
        rows = rows.filter(user=f.user)
    if f.kind == NO_OBJECT:
        rows = rows.filter(object_type="")
    elif f.kind:
        rows = rows.filter(object_type=f.kind)
    if f.what:
        rows = rows.filter(action__in=WHAT[f.what][1])
    if f.core_member is not None:
        rows = rows.filter(core_member_id=f.core_member.pk)
    if f.starts:
        rows = rows.filter(at__gte=f.starts)
    if f.ends:
        rows = rows.filter(at__lt=f.ends)
    return rows.annotate(
        source=Value("", output_field=CharField()),
        moment=F("at"),
        who=F("user_id"),
        object_kind=F("object_type"),
        object_key=F("object_id"),
        row=Cast("pk", BigIntegerField()),
        act=F("action"),
        log_detail=F("detail"),
        log_path=F("path"),
    ).values(*_COLUMNS)


def _history_part(kind, f):
    rows = kind.model.history.order_by()
    if f.user is not None:
        rows = rows.filter(history_user=f.user)
    if f.core_member is not None:
        rows = rows.filter(kind.of_core_member(f.core_member.pk))
    if f.starts:
        rows = rows.filter(history_date__gte=f.starts)
    if f.ends:
        rows = rows.filter(history_date__lt=f.ends)
    return rows.annotate(
        source=Value(kind.label, output_field=CharField()),
        moment=F("history_date"),
        who=F("history_user_id"),
        object_kind=Value(kind.label, output_field=CharField()),
        object_key=Cast("id", CharField()),
        row=Cast("history_id", BigIntegerField()),
        act=F("history_type"),
        log_detail=Value("", output_field=TextField()),
        log_path=Value("", output_field=CharField()),
    ).values(*_COLUMNS)


def trail_entries(f: TrailFilter):
    """The filtered trail, newest first, as one query: rows of ``source`` ("" for the
    access log, else the kind whose history it is), ``moment``, ``who``, ``object_kind``,
    ``object_key``, ``row`` (the log's or the history's pk) and ``act``."""
    parts = []
    if f.what != "change":
        parts.append(_log_part(f))
    if f.what in ("", "change") and f.kind != NO_OBJECT:
        for kind in KINDS.values():
            if f.kind and kind.label != f.kind:
                continue
            if f.core_member is not None and kind.of_core_member is None:
                continue
            if not kind.has_history:
                continue
            parts.append(_history_part(kind, f))
    if not parts:
        # Changes to no object: there are none (sign-ins and searches are only read).
        return _log_part(f).none()
    first, *others = parts
    # One part (the access log alone, or one kind's history) is a plain query, which the
    # page's count can ride along with (``paginate_counted``); a union cannot.
    trail = first.union(*others, all=True) if others else first
    return trail.order_by("-moment", "-row")


# Naming a page of it in bulk ---------------------------------------------------------------


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime.datetime
    who: str
    role: str
    what: str
    happened: str
    description: str
    detail: str = ""
    changes: list = field(default_factory=list)
    path: str = ""


def _format(model_field, value, users):
    if value is None or value == "":
        return "—"
    if model_field.many_to_one or model_field.one_to_one:
        if model_field.related_model is User and value in users:
            return users[value].get_full_name() or users[value].email
        return f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%-d %b %Y, %H:%M}"
    if isinstance(value, datetime.date):
        return _day(value)
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _fk_user_fields(model):
    return [
        f.attname
        for f in model._meta.concrete_fields
        if (f.many_to_one or f.one_to_one) and f.related_model is User
    ]


def resolve(rows, *, show_sensitive):
    """``Entry`` objects for a page of ``trail_entries`` rows, in their order.

    Queries: each kind's history rows with the
    pk of the version before each (one per kind of change on the page), those earlier
    versions (one per kind), each kind's live objects (one per kind named) and every
    person named (one).
    """
    rows = list(rows)

    history, previous = {}, {}
    for label in {r["source"] for r in rows if r["source"]}:
        model = KINDS[label].model
        ids = [r["row"] for r in rows if r["source"] == label]
        before = (
            model.history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        found = list(
            model.history.filter(history_id__in=ids).annotate(previous_id=Subquery(before))
        )
        history[label] = {h.history_id: h for h in found}
        earlier = [h.previous_id for h in found if h.history_type == "~" and h.previous_id]
        previous[label] = (
            {h.history_id: h for h in model.history.filter(history_id__in=earlier)}
            if earlier
            else {}
        )

    user_ids = {r["who"] for r in rows if r["who"]}
    for label, versions in history.items():
        user_fields = _fk_user_fields(KINDS[label].model)
        for version in [*versions.values(), *previous[label].values()]:
            user_ids.update(getattr(version, name) for name in user_fields)
    user_ids.discard(None)

    objects_by_kind = {}
    for label in {r["object_kind"] for r in rows if r["object_kind"] in KINDS}:
        kind = KINDS[label]
        keys = {
            int(r["object_key"])
            for r in rows
            if r["object_kind"] == label and r["object_key"].isdigit()
        }
        objects_by_kind[label] = {
            obj.pk: obj
            for obj in kind.model._default_manager.filter(pk__in=keys).select_related(*kind.related)
        }
        if kind.model is User:
            # Named users are fetched here already: no second query for them.
            user_ids.difference_update(objects_by_kind[label])
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    users.update(objects_by_kind.get("accounts.user", {}))

    entries = []
    for r in rows:
        person = users.get(r["who"])
        entry = Entry(
            at=r["moment"],
            who=(person.get_full_name() or person.email) if person else "The system",
            role=person.get_role_display() if person else "",
            what="",
            happened="",
            description=_describe(r, objects_by_kind),
        )
        if r["source"]:
            entry.what = "change"
            entry.happened = HISTORY_TYPES.get(r["act"], r["act"])
            version = history.get(r["source"], {}).get(r["row"])
            if version is not None and r["act"] == "~":
                older = previous[r["source"]].get(version.previous_id)
                if older is not None:
                    entry.changes = _changes(
                        KINDS[r["source"]], version, older, users, show_sensitive
                    )
        else:
            entry.what = WHAT_OF_ACTION.get(r["act"], "read")
            entry.happened = AccessLog(action=r["act"]).get_action_display()
            detail = r["log_detail"] or ""
            entry.detail = detail if show_sensitive else (MASK if detail else "")
            entry.path = r["log_path"] or ""
        entries.append(entry)
    return entries


def _describe(row, objects_by_kind):
    label, key = row["object_kind"], row["object_key"]
    if not label:
        return "—"
    kind = KINDS.get(label)
    if kind is None:
        return f"{label} #{key}"
    obj = objects_by_kind.get(label, {}).get(int(key)) if key.isdigit() else None
    if obj is None:
        return f"{kind.model._meta.verbose_name.capitalize()} #{key} (no longer held)"
    return kind.describe(obj)


def _changes(kind, version, older, users, show_sensitive):
    m2m = {f.name for f in version._history_m2m_fields}
    delta = version.diff_against(older, excluded_fields=NOISE_FIELDS | m2m)
    model_fields = {f.name: f for f in kind.model._meta.concrete_fields}
    changes = []
    for change in delta.changes:
        model_field = model_fields.get(change.field)
        if model_field is None:
            continue
        label = capfirst(str(model_field.verbose_name))
        if change.field in kind.sensitive and not show_sensitive:
            changes.append(Change(label, MASK, MASK))
        else:
            changes.append(
                Change(
                    label,
                    _format(model_field, change.old, users),
                    _format(model_field, change.new, users),
                )
            )
    return changes
