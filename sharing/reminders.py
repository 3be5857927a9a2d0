"""The shared records' reminders: a recipient who has not acknowledged in time, then the
coordinator. The sweep in circles/reminders.py runs them; this module registers itself
there (SharingConfig.ready), so that circles never imports the records.
"""

import datetime

from django.conf import settings
from django.urls import reverse

from circles.models import Reminder
from circles.reminders import ESCALATED, FIRST, Due, Message, NotNeeded, _hours, _lookback
from sharing.models import InformationSharingRecord, RecordRecipient

Kind = Reminder.Kind


def due_unacknowledged_records(now):
    """A recipient who has not acknowledged by the due time; later, the coordinator.

    The due time is the sharing app's ``RecordRecipient.acknowledge_due_at`` (set from
    the urgency when the record is shared; ``RecordRecipient.objects.overdue()``). The
    coordinator hears after the same time again, and at least two hours later.
    """
    rows = (
        RecordRecipient.objects.overdue(now)
        .filter(
            record__status=InformationSharingRecord.Status.SHARED,
            acknowledge_due_at__gte=now
            - _lookback()
            - datetime.timedelta(days=settings.COSA_RECORD_ESCALATION_MAX_DAYS),
        )
        .values_list(
            "pk",
            "liaison_id",
            "record__shared_at",
            "acknowledge_due_at",
            "record__circle__coordinator_id",
            "record__core_member__coordinator_id",
        )
    )
    oldest = now - _lookback()
    found = []
    for pk, liaison_id, shared_at, due_at, circle_coordinator, cm_coordinator in rows:
        escalate_at = due_at + min(
            max(due_at - shared_at, _hours(2)),
            datetime.timedelta(days=settings.COSA_RECORD_ESCALATION_MAX_DAYS),
        )
        if oldest <= due_at <= now:
            found.append(Due(Kind.RECORD_UNACKNOWLEDGED, pk, liaison_id, FIRST, due_at))
        coordinator = circle_coordinator or cm_coordinator
        if coordinator and oldest <= escalate_at <= now:
            found.append(Due(Kind.RECORD_UNACKNOWLEDGED, pk, coordinator, ESCALATED, escalate_at))
    return found


def _compose_record(reminder, now):
    recipient = RecordRecipient.objects.select_related("record", "liaison").get(
        pk=reminder.object_id
    )
    if recipient.acknowledged_at is not None:
        raise NotNeeded("acknowledged")
    if not recipient.record.is_shared:
        raise NotNeeded("record not shared")
    if not recipient.liaison.is_active:
        raise NotNeeded("liaison deactivated")
    link = reverse("sharing:record_detail", kwargs={"pk": recipient.record_id})
    urgency = recipient.record.get_urgency_display().split(" (")[0].lower()
    if reminder.period == FIRST:
        return Message(
            subject=f"Awaiting your acknowledgement: a {urgency} shared record",
            body="A record shared with you has not been acknowledged yet.",
            link=link,
        )
    return Message(
        subject=f"Not acknowledged: a {urgency} record shared with {recipient.liaison}",
        body="The recipient has not acknowledged this shared record in time.",
        link=link,
    )


def register(reminders):
    """Give the sweep (``circles.reminders``) the acknowledgement reminders."""
    reminders.register(
        Kind.RECORD_UNACKNOWLEDGED,
        finder=due_unacknowledged_records,
        composer=_compose_record,
    )
