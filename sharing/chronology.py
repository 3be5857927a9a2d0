"""The information-sharing records in a Core Member's chronology: each record shared
and each acknowledgement. Staff read every record of the Core Members whose full record
they hold and every recipient's acknowledgement; a liaison only the records sent to
them and their own acknowledgement (sharing.access). One query for both kinds (UNION
ALL), each part filtered by its own access helper."""

from django.db.models.query import EmptyQuerySet
from django.urls import reverse
from django.utils.text import Truncator

from cosa.chronology import EVERYTHING, Entry, shaped, union_rows
from sharing.access import acknowledgements_visible_to, records_visible_to
from sharing.models import InformationSharingRecord

KINDS = (
    ("record", "Records shared with the outer circle"),
    ("acknowledgement", "Acknowledgements of shared records"),
)

DETAIL_WORDS = 30


def entries(core_member, user, window=EVERYTHING):
    records = records_visible_to(user)
    if isinstance(records, EmptyQuerySet):
        return []
    parts = []
    if window.wants("record"):
        shared = records.shared().filter(window.moments("shared_at"), core_member=core_member)
        parts.append(
            shaped(
                shared,
                "record",
                key="pk",
                moment="shared_at",
                n_1="addendum_to_id",
                t_1="summary",
                t_2="urgency",
                t_3="category",
            )
        )
    if window.wants("acknowledgement"):
        acknowledged = acknowledgements_visible_to(user).filter(
            window.moments("acknowledged_at"),
            record__core_member=core_member,
            acknowledged_at__isnull=False,
        )
        parts.append(
            shaped(
                acknowledged,
                "acknowledgement",
                key="record_id",
                n_2="pk",
                moment="acknowledged_at",
                t_1="record__summary",
                t_2="response",
                t_3="liaison__first_name",
                t_4="liaison__last_name",
                t_5="liaison__agency__name",
            )
        )
    by_kind = union_rows(parts)
    found = []
    newest_first = {"key": lambda r: (r["moment"], r["key"], r["n_2"] or 0), "reverse": True}
    for row in sorted(by_kind.get("record", []), **newest_first):
        record = InformationSharingRecord(urgency=row["t_2"], category=row["t_3"])
        what = "addendum" if row["n_1"] else "record"
        found.append(
            Entry(
                at=row["moment"],
                kind="record",
                title=f"{record.get_urgency_display()} {what} shared: {row['t_1']}",
                detail=record.get_category_display(),
                url=reverse("sharing:record_detail", args=[row["key"]]),
            )
        )
    for row in sorted(by_kind.get("acknowledgement", []), **newest_first):
        agency = f" ({row['t_5']})" if row["t_5"] else ""
        found.append(
            Entry(
                at=row["moment"],
                kind="acknowledgement",
                title=f"Acknowledged by {row['t_3']} {row['t_4']}{agency}: {row['t_1']}",
                detail=Truncator(" ".join((row["t_2"] or "").split())).words(DETAIL_WORDS),
                url=reverse("sharing:record_detail", args=[row["key"]]),
            )
        )
    return found
