"""Outcomes in a Core Member's chronology: recalls and reconvictions, and each
circle's 12- and 24-month follow-up checks. The full record's holders only, as on the
outcomes page; one query for both kinds (UNION ALL), the grant checked inside each part."""

from django.urls import reverse
from django.utils.text import Truncator

from coreMembers.access import full_record_filter
from cosa.chronology import EVERYTHING, Entry, on_day, shaped, union_rows
from outcomes.models import FollowUpCheck, OutcomeEvent

KINDS = (
    ("outcome", "Recalls and reconvictions"),
    ("follow_up", "Follow-up checks"),
)

DETAIL_WORDS = 30


def short(text):
    return Truncator(" ".join((text or "").split())).words(DETAIL_WORDS)


def entries(core_member, user, window=EVERYTHING):
    allowed = full_record_filter(user)
    if allowed is None:
        return []
    url = reverse("outcomes:outcomes", args=[core_member.pk])
    parts = []
    if window.wants("outcome"):
        events = OutcomeEvent.objects.filter(
            allowed, window.days("occurred_on"), core_member=core_member
        )
        parts.append(
            shaped(
                events,
                "outcome",
                key="pk",
                day="occurred_on",
                t_1="kind",
                t_2="offence_type",
                t_3="note",
                t_4="source_agency__name",
            )
        )
    if window.wants("follow_up"):
        checks = FollowUpCheck.objects.filter(
            full_record_filter(user, "circle__core_member_id"),
            window.days("checked_on"),
            circle__core_member=core_member,
        )
        parts.append(
            shaped(
                checks,
                "follow_up",
                key="pk",
                day="checked_on",
                n_1="months",
                flag="nothing_found",
                t_3="note",
                t_4="checked_with__name",
            )
        )
    by_kind = union_rows(parts)
    found = []
    for row in sorted(by_kind.get("outcome", []), key=lambda r: r["day"], reverse=True):
        event = OutcomeEvent(kind=row["t_1"], offence_type=row["t_2"])
        offence = f" ({event.get_offence_type_display().lower()})" if row["t_2"] else ""
        found.append(
            Entry(
                at=on_day(row["day"]),
                kind="outcome",
                title=f"{event.get_kind_display()}{offence}",
                detail=f"From {row['t_4']}. {short(row['t_3'])}".strip(),
                url=url,
            )
        )
    for row in sorted(by_kind.get("follow_up", []), key=lambda r: r["day"], reverse=True):
        found_what = "nothing found" if row["flag"] else "something found"
        found.append(
            Entry(
                at=on_day(row["day"]),
                kind="follow_up",
                title=f"{row['n_1']}-month follow-up check with {row['t_4']}: {found_what}",
                detail=short(row["t_3"]),
                url=url,
            )
        )
    return found
