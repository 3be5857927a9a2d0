"""Outcomes in a Core Member's chronology: recalls and reconvictions, and each
circle's 12- and 24-month follow-up checks. The full record's holders only, as on the
outcomes page; one query per kind, the grant checked inside it."""

from django.urls import reverse
from django.utils.text import Truncator

from coreMembers.access import full_record_filter
from cosa.chronology import EVERYTHING, Entry, on_day
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
    found = []
    if window.wants("outcome"):
        rows = (
            OutcomeEvent.objects.filter(
                allowed, window.days("occurred_on"), core_member=core_member
            )
            .values("kind", "offence_type", "occurred_on", "note", "source_agency__name")
            .order_by("-occurred_on")
        )
        for row in rows:
            event = OutcomeEvent(kind=row["kind"], offence_type=row["offence_type"])
            offence = (
                f" ({event.get_offence_type_display().lower()})" if row["offence_type"] else ""
            )
            found.append(
                Entry(
                    at=on_day(row["occurred_on"]),
                    kind="outcome",
                    title=f"{event.get_kind_display()}{offence}",
                    detail=f"From {row['source_agency__name']}. {short(row['note'])}".strip(),
                    url=url,
                )
            )
    if window.wants("follow_up"):
        checks = FollowUpCheck.objects.filter(
            full_record_filter(user, "circle__core_member_id"),
            window.days("checked_on"),
            circle__core_member=core_member,
        )
        for row in checks.values(
            "months", "checked_on", "nothing_found", "note", "checked_with__name"
        ).order_by("-checked_on"):
            found_what = "nothing found" if row["nothing_found"] else "something found"
            found.append(
                Entry(
                    at=on_day(row["checked_on"]),
                    kind="follow_up",
                    title=f"{row['months']}-month follow-up check with "
                    f"{row['checked_with__name']}: {found_what}",
                    detail=short(row["note"]),
                    url=url,
                )
            )
    return found
