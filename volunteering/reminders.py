"""Supervision due: a reminder to the coordinator of each overdue volunteer's circles.

The sweep in circles/reminders.py runs it; this module registers itself there
(VolunteeringConfig.ready), so circles never imports this app. The period is the due
date, so a volunteer is reminded once per overdue spell: a new session moves the date.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from circles.models import Circle, CircleMembership, Reminder
from circles.reminders import LONDON, Due, Message, NotNeeded, _lookback, day_time
from volunteering.models import supervision_interval
from volunteers.models import Volunteer

Kind = Reminder.Kind


def _due_on(volunteer_started_on, last_supervised_on):
    since = last_supervised_on or volunteer_started_on
    return since + supervision_interval() if since else None


def due_supervision(now):
    if not settings.COSA_SUPERVISION_REMINDERS:
        return []
    today = timezone.localtime(now, LONDON).date()
    cutoff = today - supervision_interval()
    overdue = list(
        Volunteer.objects.active()
        .supervision_overdue(cutoff)
        .exclude(started_on__isnull=True, last_supervised_on__isnull=True)
        .values_list("pk", "started_on", "last_supervised_on")
    )
    if not overdue:
        return []
    coordinators = {}
    memberships = CircleMembership.objects.current().filter(
        volunteer_id__in=[row[0] for row in overdue], circle__status__in=Circle.OPEN_STATUSES
    )
    for volunteer_id, coordinator_id in memberships.values_list(
        "volunteer_id", "circle__coordinator_id"
    ):
        coordinators.setdefault(volunteer_id, set()).add(coordinator_id)
    # Like every other kind: a due time within the look-back window (a missed sweep is
    # caught by the next); a volunteer overdue for longer is on the dashboard already.
    oldest = now - _lookback()
    found = []
    for pk, started_on, last in overdue:
        due_on = _due_on(started_on, last)
        if not oldest <= day_time(due_on) <= now:
            continue
        for recipient in sorted(coordinators.get(pk, ())):
            found.append(
                Due(Kind.SUPERVISION_DUE, pk, recipient, due_on.isoformat(), day_time(due_on))
            )
    return found


def _compose_supervision(reminder, now):
    volunteer = Volunteer.objects.with_last_supervision().get(pk=reminder.object_id)
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise NotNeeded("volunteer not active")
    due_on = _due_on(volunteer.started_on, volunteer.last_supervised_on)
    if due_on is None or due_on.isoformat() != reminder.period:
        raise NotNeeded("supervised since")
    # No name: the bell entry outlives the volunteer's erasure; the page names them.
    return Message(
        subject=f"Supervision due on {due_on.day} {due_on:%B %Y} for a volunteer",
        body="A volunteer in your circles is due supervision. The supervision page lists them.",
        link=reverse("volunteering:supervision"),
    )


def register(reminders):
    reminders.register(Kind.SUPERVISION_DUE, finder=due_supervision, composer=_compose_supervision)
