"""A Core Member's circles in his chronology: formed, launched, covenant versions,
frequency steps, meetings with attendance, minutes whose risk ratings rose, concerns
and their triage, reviews, the end. The circles, then covenants, frequency steps,
concerns and reviews in one query (UNION ALL), the meetings, and the volunteers present
of the meetings shown, whatever the number of rows; meetings are the latest
``window.meeting_limit`` in the window's dates.

What each viewer gets is ``chronology_circles``' level (DESIGN §4): staff everything;
a volunteer the briefing (covenant, frequency) and the meetings with their minutes,
never risk or concerns; an assigned liaison the circle's status and each meeting's
date and attendance, never the minutes, the circle's name or who was present.
"""

from django.db.models.query import EmptyQuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from circles.access import CHRONOLOGY_LIAISON, CHRONOLOGY_STAFF, chronology_circles
from circles.forms.minutes import RISK_SHORT_LABELS
from circles.models import (
    Circle,
    Concern,
    Covenant,
    FrequencyChange,
    Meeting,
    MeetingNote,
    ReviewMilestone,
)
from cosa.chronology import EVERYTHING, Entry, on_day, shaped, union_rows

KINDS = (
    ("circle", "Circle formed, launched, stepping down, ended"),
    ("covenant", "Covenant versions"),
    ("frequency", "Meeting frequency"),
    ("meeting", "Meetings and attendance"),
    ("risk_rise", "Risk ratings that rose"),
    ("concern", "Concerns and triage"),
    ("review", "Reviews"),
)

DETAIL_WORDS = 30
ATTENDANCE = dict(MeetingNote.Attendance.choices)


def short(text):
    return Truncator(" ".join((text or "").split())).words(DETAIL_WORDS)


def entries(core_member, user, window=EVERYTHING):
    circles, level = chronology_circles(user, core_member)
    if level is None or isinstance(circles, EmptyQuerySet):
        return []
    staff = level == CHRONOLOGY_STAFF
    liaison = level == CHRONOLOGY_LIAISON
    wanted = {
        "circle": window.wants("circle"),
        "covenant": not liaison and window.wants("covenant"),
        "frequency": not liaison and window.wants("frequency"),
        "meeting": window.wants("meeting"),
        "risk_rise": staff and window.wants("risk_rise"),
        "concern": staff and window.wants("concern"),
        "review": staff and window.wants("review"),
    }
    if not any(wanted.values()):
        return []
    # The circles' ids as a subquery: the circles come back in the union below, with
    # covenants, frequency steps, concerns, reviews and the volunteers present.
    ids = circles.values("pk")
    meetings = None
    if wanted["meeting"] or wanted["risk_rise"]:
        meetings = _meeting_query(ids, window)
    parts = [_circle_rows(circles)]
    if wanted["covenant"]:
        parts.append(_covenant_rows(ids, window))
    if wanted["frequency"]:
        parts.append(_frequency_rows(ids, window))
    if wanted["concern"]:
        parts.append(_concern_rows(ids))
    if wanted["review"]:
        parts.append(_review_rows(ids, window))
    if meetings is not None and wanted["meeting"] and not liaison:
        parts.append(_present_rows(meetings, window.meeting_limit))
    by_kind = union_rows(parts)
    rows = [
        {
            "pk": row["key"],
            "name": row["t_1"],
            "status": row["t_2"],
            "created_at": row["moment"],
            "launched_on": row["day"],
            "planned_end_on": row["day_2"],
            "status_changed_on": row["day_3"],
            "ended_on": row["day_4"],
            "end_reason": row["t_3"],
            "outcome_notes": row["t_4"],
        }
        for row in by_kind.get("circle", [])
    ]
    if not rows:
        return []
    # A liaison opens no circle page (they do not see circles).
    urls = (
        {} if liaison else {row["pk"]: reverse("circles:detail", args=[row["pk"]]) for row in rows}
    )
    found = []
    if wanted["circle"]:
        for row in rows:
            found += _circle_status(row, urls.get(row["pk"], ""), staff=staff, liaison=liaison)
    if wanted["covenant"]:
        found += _covenants(by_kind.get("covenant", []), urls)
    if wanted["frequency"]:
        found += _frequencies(by_kind.get("frequency", []), urls)
    if wanted["meeting"] or wanted["risk_rise"]:
        present = _present(by_kind.get("present", []))
        found += _meetings(meetings, window, level, wanted, present)
    if wanted["concern"]:
        found += _concerns(by_kind.get("concern", []))
    if wanted["review"]:
        found += _reviews(by_kind.get("review", []))
    return found


def _circle_status(row, url, *, staff, liaison):
    # The circle's neutral name is the briefing's; a liaison reads only its status.
    name = "" if liaison else f": {row['name']}"
    found = [Entry(at=row["created_at"], kind="circle", title=f"Circle formed{name}", url=url)]
    if row["launched_on"]:
        planned = row["planned_end_on"]
        found.append(
            Entry(
                at=on_day(row["launched_on"]),
                kind="circle",
                title=f"Circle launched{name}",
                detail=f"Planned to end {planned:%d %b %Y}" if planned and not liaison else "",
                url=url,
            )
        )
    if row["status"] == Circle.Status.STEP_DOWN and row["status_changed_on"]:
        found.append(
            Entry(
                at=on_day(row["status_changed_on"]),
                kind="circle",
                title=f"Circle stepping down{name}",
                url=url,
            )
        )
    if row["status"] == Circle.Status.ENDED and row["ended_on"]:
        reason = "" if liaison else f" ({Circle.EndReason(row['end_reason']).label.lower()})"
        found.append(
            Entry(
                at=on_day(row["ended_on"]),
                kind="circle",
                title=f"Circle ended{name}{reason}",
                detail=short(row["outcome_notes"]) if staff else "",
                url=url,
            )
        )
    return found


def _covenant_rows(ids, window):
    return shaped(
        Covenant.objects.filter(window.days("agreed_on"), circle_id__in=ids),
        "covenant",
        key="circle_id",
        day="agreed_on",
        n_1="version",
        t_1="frequency",
        t_2="goals",
    )


def _covenants(rows, urls):
    rows = sorted(rows, key=lambda r: (r["day"], r["n_1"]), reverse=True)
    return [
        Entry(
            at=on_day(row["day"]),
            kind="covenant",
            title=f"Covenant version {row['n_1']} agreed "
            f"({Covenant(frequency=row['t_1']).get_frequency_display().lower()})",
            detail=short(row["t_2"]),
            url=urls[row["key"]],
        )
        for row in rows
    ]


def _frequency_rows(ids, window):
    return shaped(
        FrequencyChange.objects.filter(window.days("from_date"), circle_id__in=ids),
        "frequency",
        key="circle_id",
        day="from_date",
        n_1="pk",
        n_2="review_id",
        t_1="frequency",
    )


def _frequencies(rows, urls):
    found = []
    for row in sorted(rows, key=lambda r: (r["day"], r["n_1"]), reverse=True):
        frequency = FrequencyChange(frequency=row["t_1"]).get_frequency_display().lower()
        # The launch's step has no review; each step-down after it was decided at one.
        title = f"Meets {frequency} from {row['day']:%d %b %Y}"
        found.append(
            Entry(
                at=on_day(row["day"]),
                kind="frequency",
                title=f"Stepped down: {title.lower()}" if row["n_2"] else title,
                url=urls[row["key"]],
            )
        )
    return found


def _meeting_query(ids, window):
    """Held and missed meetings in the window, newest first (the circle id and status
    use the meeting's own indexes)."""
    return Meeting.objects.filter(
        window.moments("starts_at"),
        circle_id__in=ids,
        status__in=[Meeting.Status.HELD, Meeting.Status.MISSED],
        starts_at__lte=timezone.now(),
    ).order_by("-starts_at", "-pk")


def _meetings(meetings, window, level, wanted, present):
    """Held and missed meetings, newest first, capped; with their minutes' attendance,
    and for staff the ratings that rose since the circle's previous minutes."""
    staff = level == CHRONOLOGY_STAFF
    liaison = level == CHRONOLOGY_LIAISON
    fields = [
        "pk",
        "circle_id",
        "starts_at",
        "status",
        "kind",
        "notes__status",
        "notes__attendance",
    ]
    if not liaison:
        fields += ["notes__pk", "notes__summary"]
    if staff and wanted["risk_rise"]:
        fields += [f"notes__{name}" for name in MeetingNote.RISK_FIELDS]
    limit = window.meeting_limit
    # One more than shown: it says older ones exist, and is the first shown's previous
    # minutes for the rise.
    rows = list(meetings.values(*fields)[: limit + 1])
    shown, older = rows[:limit], rows[limit:]
    found = []
    if wanted["meeting"]:
        for row in shown:
            found.append(_meeting_entry(row, present, liaison=liaison))
        if older:
            found.append(
                Entry(
                    at=shown[-1]["starts_at"],
                    kind="meeting",
                    title=f"Only the latest {limit} meetings are shown",
                    detail="Choose an earlier end date to see the meetings before these.",
                    truncated=True,
                )
            )
    if staff and wanted["risk_rise"]:
        found += _rises(rows, shown)
    return found


def _minutes_done(row):
    return row["notes__status"] in MeetingNote.DONE_STATUSES


def _meeting_entry(row, present, *, liaison):
    kind = Meeting(kind=row["kind"]).get_kind_display()
    if row["status"] == Meeting.Status.MISSED and not _minutes_done(row):
        title = f"{kind} missed"
    elif _minutes_done(row):
        title = f"{kind}: {ATTENDANCE[row['notes__attendance']].lower()}"
    else:
        title = f"{kind} held (minutes not yet submitted)"
    if liaison:
        return Entry(at=row["starts_at"], kind="meeting", title=title)
    detail = short(row["notes__summary"]) if _minutes_done(row) else ""
    names = present.get(row["notes__pk"])
    if names:
        detail = f"Present: {', '.join(names)}. {detail}".strip()
    url = (
        reverse("circles:note_detail", args=[row["circle_id"], row["pk"]])
        if row["notes__pk"]
        else reverse("circles:detail", args=[row["circle_id"]])
    )
    return Entry(at=row["starts_at"], kind="meeting", title=title, detail=detail, url=url)


def _circle_rows(circles):
    return shaped(
        circles,
        "circle",
        key="pk",
        moment="created_at",
        day="launched_on",
        day_2="planned_end_on",
        day_3="status_changed_on",
        day_4="ended_on",
        t_1="name",
        t_2="status",
        t_3="end_reason",
        t_4="outcome_notes",
    )


def _present_rows(meetings, limit):
    """The volunteers present at the submitted minutes of the meetings shown (the
    latest ``limit``, the same rows ``_meetings`` reads)."""
    through = MeetingNote.volunteers_present.through
    shown_notes = meetings.values("notes__pk")[:limit]
    return shaped(
        through.objects.filter(
            meetingnote_id__in=shown_notes,
            meetingnote__status__in=MeetingNote.DONE_STATUSES,
        ),
        "present",
        key="meetingnote_id",
        t_1="volunteer__user__first_name",
        t_2="volunteer__user__last_name",
    )


def _present(rows):
    present = {}
    for row in sorted(rows, key=lambda r: (r["t_1"], r["t_2"])):
        present.setdefault(row["key"], []).append(f"{row['t_1']} {row['t_2']}")
    return present


def _rises(rows, shown):
    """Each shown meeting's minutes where an indicator is higher than in the circle's
    previous submitted minutes (the one extra row read serves the oldest shown)."""
    shown_ids = {row["pk"] for row in shown}
    previous = {}
    found = []
    for row in reversed(rows):  # oldest first
        if not _minutes_done(row):
            continue
        before = previous.get(row["circle_id"])
        previous[row["circle_id"]] = row
        if before is None or row["pk"] not in shown_ids:
            continue
        rose = [
            f"{RISK_SHORT_LABELS[name]} {before[f'notes__{name}']} → {row[f'notes__{name}']}"
            for name in MeetingNote.RISK_FIELDS
            if row[f"notes__{name}"] is not None
            and before[f"notes__{name}"] is not None
            and row[f"notes__{name}"] > before[f"notes__{name}"]
        ]
        if rose:
            found.append(
                Entry(
                    at=row["starts_at"],
                    kind="risk_rise",
                    title="Risk ratings rose since the previous minutes",
                    detail="; ".join(rose),
                    url=reverse("circles:note_detail", args=[row["circle_id"], row["pk"]]),
                )
            )
    return found


def _concern_rows(ids):
    return shaped(
        Concern.objects.filter(circle_id__in=ids),
        "concern",
        key="pk",
        n_1="circle_id",
        moment="raised_at",
        moment_2="triaged_at",
        moment_3="shared_record__shared_at",
        flag="imminent_risk",
        t_1="severity",
        t_2="category",
        t_3="description",
        t_4="status",
        t_5="triage_notes",
        t_6="closed_reason",
        t_7="raised_by__first_name",
        t_8="raised_by__last_name",
    )


def _concerns(rows):
    found = []
    for row in sorted(rows, key=lambda r: (r["moment"], r["key"]), reverse=True):
        concern = Concern(severity=row["t_1"], category=row["t_2"])
        url = reverse("circles:concern_detail", args=[row["n_1"], row["key"]])
        imminent = ", imminent risk" if row["flag"] else ""
        found.append(
            Entry(
                at=row["moment"],
                kind="concern",
                title=f"{concern.get_severity_display()} concern raised: "
                f"{concern.get_category_display().lower()}{imminent}",
                detail=f"By {row['t_7']} {row['t_8']}: {short(row['t_3'])}",
                url=url,
            )
        )
        if row["moment_2"] is not None:
            closed = row["t_4"] == Concern.Status.CLOSED
            found.append(
                Entry(
                    at=row["moment_2"],
                    kind="concern",
                    title="Concern closed" if closed else "Concern triaged",
                    detail=short(row["t_6"] if closed else row["t_5"]),
                    url=url,
                )
            )
        if row["t_4"] == Concern.Status.SHARED and row["moment_3"]:
            found.append(
                Entry(
                    at=row["moment_3"],
                    kind="concern",
                    title="Concern shared with the outer circle",
                    url=url,
                )
            )
    return found


def _review_rows(ids, window):
    return shaped(
        ReviewMilestone.objects.filter(
            window.days("completed_on"), circle_id__in=ids, completed_on__isnull=False
        ),
        "review",
        key="pk",
        n_1="circle_id",
        day="completed_on",
        t_1="kind",
        t_2="decision",
        t_3="progress_notes",
    )


def _reviews(rows):
    return [
        Entry(
            at=on_day(row["day"]),
            kind="review",
            title=f"{ReviewMilestone.Kind(row['t_1']).label}: "
            f"{ReviewMilestone.Decision(row['t_2']).label.lower()}",
            detail=short(row["t_3"]),
            url=reverse("circles:review", args=[row["n_1"], row["key"]]),
        )
        for row in sorted(rows, key=lambda r: (r["day"], r["key"]), reverse=True)
    ]
