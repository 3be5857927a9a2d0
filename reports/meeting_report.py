"""The reports people take to meetings: MAPPA meeting preparation and offender manager update.

``build`` reads one Core Member's period in a fixed number of queries and returns plain
data (dicts, lists, strings, dates) that the HTML page, the PDF, the Word document and a
shared record's text all draw from. Volunteers never appear by name: each is "Volunteer
A", "B", ... in the order they joined, and their names are replaced in every free text
that is shown (concerns, covenant goals, review notes, the coordinator's summary).
"""

import datetime
import re

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from circles.forms.minutes import RISK_SHORT_LABELS
from circles.models import Circle, CircleMembership, Concern, Covenant, Meeting, MeetingNote
from circles.risk import chart, find_rises
from coreMembers.models import LiaisonAssignment
from reports.models import MeetingReportKind, MeetingReportSummary
from sharing.models import InformationSharingRecord

MARKING = "OFFICIAL-SENSITIVE"
Kind = MeetingReportKind


def pseudonym(index):
    """Volunteer A .. Z, then AA, AB, ... (the subject-access export's scheme)."""
    letters = ""
    while True:
        letters = chr(ord("A") + index % 26) + letters
        index = index // 26 - 1
        if index < 0:
            return f"Volunteer {letters}"


class Redactor:
    """Replaces the names of a circle's volunteers in free text by their pseudonyms."""

    def __init__(self, memberships):
        self.by_user = {}
        replacements = []
        for membership in memberships:
            user = membership.volunteer.user
            if user.pk in self.by_user:
                continue
            name = pseudonym(len(self.by_user))
            self.by_user[user.pk] = name
            full = f"{user.first_name} {user.last_name}".strip()
            for part in (full, user.first_name, user.last_name):
                if part and len(part.strip()) > 1:
                    replacements.append((part.strip(), name))
        # Longest first, so "Ivy Inside" goes whole before "Ivy" is looked for.
        replacements.sort(key=lambda pair: len(pair[0]), reverse=True)
        self.patterns = [
            (re.compile(rf"(?<!\w){re.escape(part)}(?!\w)", re.IGNORECASE), name)
            for part, name in replacements
        ]

    def __call__(self, text):
        text = text or ""
        for pattern, name in self.patterns:
            text = pattern.sub(name, text)
        return text

    def user(self, user):
        """How a person who wrote something is shown: a pseudonym for a volunteer."""
        if user is None:
            return ""
        if user.pk in self.by_user:
            return self.by_user[user.pk]
        if user.is_volunteer:
            return "A volunteer"
        return user.get_full_name()


def _local_date(moment):
    return timezone.localtime(moment).date()


def _attendance(rows):
    held = [row for row in rows if row["status"] == Meeting.Status.HELD]
    attendance = [row["notes__attendance"] for row in held]
    counts = {
        "scheduled": len(rows),
        "held": len(held),
        "attended": sum(1 for a in attendance if a in ("YES", "LATE")),
        "late": sum(1 for a in attendance if a == "LATE"),
        # Not there: a held meeting he did not come to, or one recorded as missed.
        "missed": sum(1 for a in attendance if a == "NO")
        + sum(1 for row in rows if row["status"] == Meeting.Status.MISSED),
        "cancelled": sum(1 for row in rows if row["status"] == Meeting.Status.CANCELLED),
        "no_minutes": sum(1 for a in attendance if a is None),
    }
    counts["attended_percent"] = (
        round(100 * counts["attended"] / counts["held"]) if counts["held"] else None
    )
    return counts


def _dots_path(dots):
    """Every dot of one colour as a single SVG path: a zero-length line at each, drawn
    with round caps (a dot, in PDF's rules for degenerate subpaths).

    The PDF draws this instead of an element per dot: WeasyPrint styles, lays out and
    draws each SVG element, and a year of weekly ratings over seven indicators is some
    360 circles with a tooltip each, which cost most of the document's rendering time
    and mean nothing on paper (the figures are in the table above the charts). Arcs
    would keep the circles but cost WeasyPrint as much again to turn into curves.
    """
    return "".join(f"M{dot['x']:g},{dot['y']:g}l0,0" for dot in dots)


def _risk(rows, period):
    rated = [
        row
        for row in rows
        if row["notes__status"] in MeetingNote.DONE_STATUSES
        and any(row[f"notes__{field}"] is not None for field in MeetingNote.RISK_FIELDS)
    ]
    indicators = []
    for field in MeetingNote.RISK_FIELDS:
        points = [(row["starts_at"], row[f"notes__{field}"]) for row in rated]
        values = [value for _when, value in points if value is not None]
        rises = find_rises(points)
        first = values[0] if values else None
        last = values[-1] if values else None
        if not values:
            movement = "not rated"
        elif last > first:
            movement = f"up {last - first}"
        elif last < first:
            movement = f"down {first - last}"
        else:
            movement = "no change"
        drawn = chart(points, rises, period.start_at, period.end_before)
        drawn["dot_path"] = _dots_path(d for d in drawn["dots"] if not d["rise"])
        drawn["rise_path"] = _dots_path(d for d in drawn["dots"] if d["rise"])
        indicators.append(
            {
                "field": field,
                "label": RISK_SHORT_LABELS[field],
                "observed": len(values),
                "first": first,
                "last": last,
                "highest": max(values) if values else None,
                "movement": movement,
                "rises": len(rises),
                "chart": drawn,
            }
        )
    return {"indicators": indicators, "ratings": len(rated)}


def _concerns(concerns, redact):
    return [
        {
            "raised_on": _local_date(concern.raised_at),
            "category": concern.get_category_display(),
            "severity": concern.get_severity_display(),
            "imminent_risk": concern.imminent_risk,
            "status": concern.get_status_display(),
            "description": redact(concern.description),
            "shared": bool(concern.shared_record_id),
            "shared_summary": redact(concern.shared_record.summary)
            if concern.shared_record_id
            else "",
        }
        for concern in concerns
    ]


def _records(records, redact):
    return [
        {
            "shared_on": _local_date(record.shared_at),
            "category": record.get_category_display(),
            "urgency": record.get_urgency_display(),
            "summary": redact(record.summary),
            "recipients": record.recipient_count,
            "acknowledged": record.acknowledged_count,
            "is_addendum": bool(record.addendum_to_id),
        }
        for record in records
    ]


def build(core_member, period, kind, *, now=None):
    """The report's content for ``core_member`` over ``period`` (a reports.queries.Period)."""
    now = now or timezone.now()
    # Each circle's latest covenant, and how many were agreed in the period, come with
    # the circles: only the current circle's are shown, so no query of their own.
    latest = Covenant.objects.filter(circle=OuterRef("pk")).order_by("-version")
    agreed_in_period = (
        Covenant.objects.filter(
            circle=OuterRef("pk"), agreed_on__gte=period.start, agreed_on__lte=period.end
        )
        .order_by()
        .values("circle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    circles = list(
        Circle.objects.filter(core_member=core_member)
        .select_related("coordinator")
        .annotate(
            **{
                f"covenant_{field}": Subquery(latest.values(field)[:1])
                for field in ("version", "agreed_on", "frequency", "goals")
            },
            covenants_in_period=Coalesce(Subquery(agreed_in_period), 0),
        )
        .order_by("-created_at", "-pk")
    )
    circle = next((c for c in circles if c.status != Circle.Status.ENDED), None) or (
        circles[0] if circles else None
    )
    memberships = list(
        CircleMembership.objects.filter(circle__core_member=core_member)
        .select_related("volunteer__user")
        .order_by("joined_on", "pk")
    )
    redact = Redactor(memberships)
    in_period = [
        m
        for m in memberships
        if m.joined_on <= period.end and (m.left_on is None or m.left_on >= period.start)
    ]
    volunteers = []
    for membership in in_period:
        name = redact.by_user[membership.volunteer.user_id]
        if name not in {v["name"] for v in volunteers}:
            volunteers.append(
                {
                    "name": name,
                    "role": membership.get_role_display(),
                    "joined_on": membership.joined_on,
                    "left_on": membership.left_on,
                }
            )

    rows = list(
        Meeting.objects.filter(
            circle__core_member=core_member,
            starts_at__gte=period.start_at,
            starts_at__lt=min(period.end_before, now),
        )
        .order_by("starts_at", "pk")
        .values(
            "starts_at",
            "status",
            "kind",
            "notes__attendance",
            "notes__status",
            *[f"notes__{field}" for field in MeetingNote.RISK_FIELDS],
        )
    )
    for row in rows:
        if row["notes__status"] == MeetingNote.Status.DRAFT:
            # Minutes still being written have not reached the coordinator.
            row["notes__attendance"] = None

    concerns = (
        Concern.objects.filter(
            circle__core_member=core_member,
            raised_at__gte=period.start_at,
            raised_at__lt=period.end_before,
        )
        .select_related("shared_record")
        .order_by("raised_at", "pk")
    )
    records = (
        InformationSharingRecord.objects.shared()
        .filter(
            core_member=core_member,
            shared_at__gte=period.start_at,
            shared_at__lt=period.end_before,
        )
        .annotate(
            recipient_count=Count("recipients"),
            acknowledged_count=Count(
                "recipients", filter=Q(recipients__acknowledged_at__isnull=False)
            ),
        )
        .order_by("shared_at", "pk")
    )
    milestones = []
    covenant = None
    if circle is not None:
        milestones = list(circle.milestones.order_by("due_on", "pk"))
        if circle.covenant_version is not None:
            covenant = Covenant(
                circle=circle,
                version=circle.covenant_version,
                agreed_on=circle.covenant_agreed_on,
                frequency=circle.covenant_frequency,
                goals=circle.covenant_goals,
            )
    reviews = [
        {
            "kind": m.get_kind_display(),
            "due_on": m.due_on,
            "completed_on": m.completed_on,
            "decision": m.get_decision_display(),
            "progress_notes": redact(m.progress_notes),
        }
        for m in milestones
        if m.completed_on is not None and period.start <= m.completed_on <= period.end
    ]
    upcoming = [m for m in milestones if m.is_outstanding]
    next_review = (
        {"kind": upcoming[0].get_kind_display(), "due_on": upcoming[0].due_on} if upcoming else None
    )
    offender_managers = [
        {
            "name": a.liaison.get_full_name(),
            "agency": a.liaison.agency.name if a.liaison.agency_id else "",
            "role": a.get_role_display(),
        }
        for a in LiaisonAssignment.objects.open()
        .filter(core_member=core_member)
        .select_related("liaison__agency")
        .order_by("role", "pk")
    ]
    summary = MeetingReportSummary.objects.filter(
        core_member=core_member, kind=kind, date_from=period.start, date_to=period.end
    ).first()
    return {
        "kind": kind,
        "title": Kind(kind).label,
        "marking": MARKING,
        "generated_at": timezone.localtime(now),
        "period": {"start": period.start, "end": period.end, "label": period.label},
        "core_member": {
            "pk": core_member.pk,
            "reference": core_member.reference,
            "name": core_member.display_name,
            "date_of_birth": core_member.date_of_birth,
            "probation_crn": core_member.probation_crn,
            "mappa_category": core_member.mappa_category,
            "mappa_level": core_member.mappa_level,
            "status": core_member.get_status_display(),
        },
        "circle": {
            "name": circle.name,
            "status": circle.get_status_display(),
            "launched_on": circle.launched_on,
            "planned_end_on": circle.planned_end_on,
            "frequency": circle.get_frequency_display(),
            "coordinator": circle.coordinator.get_full_name(),
        }
        if circle is not None
        else None,
        "volunteers": volunteers,
        "liaisons": offender_managers,
        "attendance": _attendance(rows),
        "risk": _risk(rows, period),
        "concerns": _concerns(concerns, redact),
        "records": _records(records, redact),
        "covenant": {
            "version": covenant.version,
            "agreed_on": covenant.agreed_on,
            "frequency": covenant.get_frequency_display(),
            "goals": [line.strip() for line in redact(covenant.goals).splitlines() if line.strip()],
        }
        if covenant is not None
        else None,
        "covenants_in_period": circle.covenants_in_period if circle is not None else 0,
        "reviews": reviews,
        "next_review": next_review,
        "summary": redact(summary.text) if summary else "",
        "summary_version": summary.version if summary else None,
        "summary_by": summary.written_by_id if summary else None,
        "summary_updated_at": summary.updated_at if summary else None,
    }


def _d(value):
    return value.strftime("%-d %b %Y") if isinstance(value, datetime.date) else "—"


def as_text(report):
    """The report as plain text: what a shared record holds when the report is sent."""
    cm = report["core_member"]
    lines = [
        report["marking"],
        f"{report['title']}: {cm['reference']} {cm['name']}",
        f"Period: {report['period']['label']}",
        "",
    ]
    if report["summary"]:
        lines += ["Coordinator's summary", report["summary"], ""]
    a = report["attendance"]
    lines += [
        "Attendance",
        f"Meetings held: {a['held']}; attended: {a['attended']} (late {a['late']}); "
        f"missed: {a['missed']}; cancelled: {a['cancelled']}.",
        "",
        "Dynamic-risk ratings (0 none to 3 serious concern): first, last, highest, movement",
    ]
    for indicator in report["risk"]["indicators"]:
        if indicator["observed"]:
            lines.append(
                f"- {indicator['label']}: {indicator['first']}, {indicator['last']}, "
                f"{indicator['highest']}, {indicator['movement']}"
            )
    if not report["risk"]["ratings"]:
        lines.append("- No ratings in the period.")
    lines += ["", "Concerns"]
    for concern in report["concerns"]:
        shared = f" Shared: {concern['shared_summary']}" if concern["shared"] else ""
        lines.append(
            f"- {_d(concern['raised_on'])} {concern['severity']} {concern['category']} "
            f"({concern['status']}): {concern['description']}{shared}"
        )
    if not report["concerns"]:
        lines.append("- None raised in the period.")
    lines += ["", "Shared with the outer circle"]
    for record in report["records"]:
        lines.append(
            f"- {_d(record['shared_on'])} {record['urgency']}: {record['summary']} "
            f"({record['acknowledged']} of {record['recipients']} acknowledged)"
        )
    if not report["records"]:
        lines.append("- Nothing shared in the period.")
    lines += ["", "Covenant goals"]
    if report["covenant"]:
        lines += [f"- {goal}" for goal in report["covenant"]["goals"]]
    else:
        lines.append("- No covenant recorded.")
    for review in report["reviews"]:
        lines.append(
            f"Review {review['kind']} held {_d(review['completed_on'])}: {review['decision']}. "
            f"{review['progress_notes']}".rstrip()
        )
    nxt = report["next_review"]
    lines += [
        "",
        f"Next review: {nxt['kind']} due {_d(nxt['due_on'])}"
        if nxt
        else "Next review: none scheduled",
        "",
        report["marking"],
    ]
    return "\n".join(lines)
