"""The information-sharing records in a Core Member's chronology: each record shared
and each acknowledgement. Staff read every record of the Core Members whose full record
they hold and every recipient's acknowledgement; a liaison only the records sent to
them and their own acknowledgement (sharing.access). One query per kind."""

from django.db.models.query import EmptyQuerySet
from django.urls import reverse
from django.utils.text import Truncator

from cosa.chronology import EVERYTHING, Entry
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
    found = []
    if window.wants("record"):
        rows = (
            records.shared()
            .filter(window.moments("shared_at"), core_member=core_member)
            .values("pk", "shared_at", "summary", "urgency", "category", "addendum_to_id")
            .order_by("-shared_at", "-pk")
        )
        for row in rows:
            record = InformationSharingRecord(urgency=row["urgency"], category=row["category"])
            what = "addendum" if row["addendum_to_id"] else "record"
            found.append(
                Entry(
                    at=row["shared_at"],
                    kind="record",
                    title=f"{record.get_urgency_display()} {what} shared: {row['summary']}",
                    detail=record.get_category_display(),
                    url=reverse("sharing:record_detail", args=[row["pk"]]),
                )
            )
    if window.wants("acknowledgement"):
        rows = (
            acknowledgements_visible_to(user)
            .filter(
                window.moments("acknowledged_at"),
                record__core_member=core_member,
                acknowledged_at__isnull=False,
            )
            .values(
                "record_id",
                "acknowledged_at",
                "response",
                "record__summary",
                "liaison__first_name",
                "liaison__last_name",
                "liaison__agency__name",
            )
            .order_by("-acknowledged_at", "-pk")
        )
        for row in rows:
            agency = f" ({row['liaison__agency__name']})" if row["liaison__agency__name"] else ""
            found.append(
                Entry(
                    at=row["acknowledged_at"],
                    kind="acknowledgement",
                    title=f"Acknowledged by {row['liaison__first_name']} "
                    f"{row['liaison__last_name']}{agency}: {row['record__summary']}",
                    detail=Truncator(" ".join(row["response"].split())).words(DETAIL_WORDS),
                    url=reverse("sharing:record_detail", args=[row["record_id"]]),
                )
            )
    return found
