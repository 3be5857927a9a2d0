"""Reminders that fire exactly once (DESIGN §5).

The sweep, every few minutes:

1. **finds** what has come due — one ``Due`` per (kind, object, recipient, period) —
   and inserts a ``Reminder`` row for each that is new; the unique constraint makes
   a second sweep, or two at once, insert nothing;
2. **claims** due, unsent rows (``select_for_update(skip_locked=True)`` plus a
   conditional update), commits, then enqueues one send task per row;
3. a claim holds a lease: a later sweep claims the row again only once the lease
   has expired (the broker lost the message, a worker died mid-send). A send waiting
   in the queue has a long lease, so a backlog is not enqueued twice; a worker that
   starts the send renews it for a short one, so a dead worker's send is soon retried.

A send locks its row, checks the reminder is still needed (the meeting not
cancelled, the volunteer still in the circle, the minutes still missing...), sends
the e-mail and marks the row sent in the same transaction: a task delivered twice
waits on the lock, then finds the row sent and does nothing.

E-mails say no more than the recipient's role may see: volunteers get their own
meeting's date, time and venue; everything else is a neutral sentence and a link.
"""

import dataclasses
import datetime
import logging
import time
import zoneinfo
from collections import defaultdict
from itertools import islice

import icalendar
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.constants import OnConflict
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import (
    email_text,
    message_id,
    notification_create,
    notification_emails_claim,
)
from circles.models import (
    MAX_MEETING_MINUTES,
    Circle,
    CircleMembership,
    Concern,
    Meeting,
    MeetingNote,
    Reminder,
    ReviewMilestone,
    SweepRun,
)
from cosa.validators import one_line
from volunteers.models import DBSCheck, Volunteer

logger = logging.getLogger(__name__)

LONDON = zoneinfo.ZoneInfo("Europe/London")
Kind = Reminder.Kind
OPEN_STATUSES = (Circle.Status.ACTIVE, Circle.Status.STEP_DOWN)

# Period keys: the stage of an escalation (stable even if the lead times change).
FIRST, ESCALATED = "first", "escalated"
REVIEW_AHEAD, REVIEW_ON_DAY, REVIEW_OVERDUE = "ahead", "on-day", "overdue"


@dataclasses.dataclass(frozen=True)
class Due:
    kind: str
    object_id: int
    recipient_id: int
    period: str
    due_at: datetime.datetime


def _hours(n):
    return datetime.timedelta(hours=n)


def _lookback():
    return datetime.timedelta(days=settings.COSA_REMINDER_LOOKBACK_DAYS)


def day_time(day: datetime.date) -> datetime.datetime:
    """A date-only reminder's moment: COSA_REMINDER_DAY_TIME, London time, as UTC."""
    at = datetime.time.fromisoformat(settings.COSA_REMINDER_DAY_TIME)
    return datetime.datetime.combine(day, at, tzinfo=LONDON).astimezone(datetime.UTC)


def _active_managers():
    return list(
        User.objects.filter(role=User.Role.MANAGER, is_active=True).values_list("pk", flat=True)
    )


def _current_members(circle_ids):
    """{circle id: {user id: membership role}} for active volunteers now in each circle."""
    members = defaultdict(dict)
    rows = CircleMembership.objects.current().filter(
        circle_id__in=circle_ids,
        volunteer__status=Volunteer.Status.ACTIVE,
        volunteer__user__is_active=True,
    )
    for circle_id, user_id, role in rows.values_list("circle_id", "volunteer__user_id", "role"):
        members[circle_id][user_id] = role
    return members


# Finding what is due ----------------------------------------------------------------------


def wall_clock_before(moment, delta):
    """``delta`` earlier on London clocks: a day before 18:30 is 18:30, even across a
    clock change (when it is 23 or 25 hours)."""
    local = timezone.localtime(moment, LONDON).replace(tzinfo=None) - delta
    return local.replace(tzinfo=LONDON).astimezone(datetime.UTC)


def meeting_reminder_due_at(starts_at):
    return wall_clock_before(starts_at, _hours(settings.COSA_REMINDER_MEETING_LEAD_HOURS))


def due_meeting_reminders(now):
    """Each current volunteer, ``COSA_REMINDER_MEETING_LEAD_HOURS`` before the meeting."""
    # One hour of slack: across a clock change the wall-clock lead is an hour longer.
    window = _hours(settings.COSA_REMINDER_MEETING_LEAD_HOURS + 1)
    meetings = [
        (pk, circle_id, starts_at)
        for pk, circle_id, starts_at in Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED,
            kind__in=Meeting.CIRCLE_KINDS,
            starts_at__gt=now,
            starts_at__lte=now + window,
            circle__status__in=OPEN_STATUSES,
        ).values_list("pk", "circle_id", "starts_at")
        if meeting_reminder_due_at(starts_at) <= now
    ]
    members = _current_members({circle_id for _, circle_id, _ in meetings})
    return [
        Due(Kind.MEETING, pk, user, meeting_period(starts_at), meeting_reminder_due_at(starts_at))
        for pk, circle_id, starts_at in meetings
        for user in members[circle_id]
    ]


def meeting_period(starts_at):
    """The meeting's local start: a moved meeting is a new occasion."""
    return timezone.localtime(starts_at, LONDON).strftime("%Y-%m-%dT%H:%M")


def due_minutes_overdue(now):
    """Minutes not submitted 48 h after the meeting ended: the minute-taker, then the
    coordinator a day later."""
    first = _hours(settings.COSA_MINUTES_DUE_HOURS)
    escalation = _hours(settings.COSA_REMINDER_MINUTES_ESCALATE_HOURS)
    longest_meeting = datetime.timedelta(minutes=MAX_MEETING_MINUTES)
    oldest = now - _lookback()
    meetings = list(
        Meeting.objects.filter(
            circle__status__in=OPEN_STATUSES,
            # The circle's minute-taker is reminded of the circle's meetings; a logged
            # contact is written up by whoever logged it, on their start page.
            kind__in=Meeting.CIRCLE_KINDS,
            # Bounds on the start time keep the sweep on the index; due_at decides.
            starts_at__gte=oldest - escalation - first - longest_meeting,
        )
        .minutes_outstanding(now - first)
        .values_list("pk", "circle_id", "due_at", "circle__coordinator_id")
    )
    drafts = dict(
        MeetingNote.objects.filter(meeting_id__in=[m[0] for m in meetings]).values_list(
            "meeting_id", "author_id"
        )
    )
    members = _current_members({m[1] for m in meetings})
    found = []
    for pk, circle_id, due_at, coordinator_id in meetings:
        if oldest <= due_at <= now:
            taker = drafts.get(pk)
            if taker not in members[circle_id]:
                taker = next(
                    (u for u, role in members[circle_id].items() if role == "PRIMARY"), None
                )
            if taker is not None:
                found.append(Due(Kind.MINUTES_OVERDUE, pk, taker, FIRST, due_at))
        if oldest <= due_at + escalation <= now:
            found.append(
                Due(Kind.MINUTES_OVERDUE, pk, coordinator_id, ESCALATED, due_at + escalation)
            )
    return found


def due_review_milestones(now):
    """14 days ahead and on the day to the coordinator; the day after, to the managers."""
    ahead = datetime.timedelta(days=settings.COSA_REMINDER_REVIEW_AHEAD_DAYS)
    today = timezone.localtime(now, LONDON).date()
    milestones = ReviewMilestone.objects.filter(
        completed_on__isnull=True,
        circle__status__in=OPEN_STATUSES,
        due_on__lte=today + ahead,
        due_on__gte=today - _lookback() - datetime.timedelta(days=1),
    ).values_list("pk", "due_on", "circle__coordinator_id")
    managers = None
    oldest = now - _lookback()
    found = []
    for pk, due_on, coordinator_id in milestones:
        on_day = day_time(due_on)
        if oldest <= on_day <= now:
            found.append(Due(Kind.REVIEW_DUE, pk, coordinator_id, REVIEW_ON_DAY, on_day))
        elif on_day > now and oldest <= day_time(due_on - ahead) <= now:
            found.append(
                Due(Kind.REVIEW_DUE, pk, coordinator_id, REVIEW_AHEAD, day_time(due_on - ahead))
            )
        overdue = day_time(due_on + datetime.timedelta(days=1))
        if oldest <= overdue <= now:
            managers = _active_managers() if managers is None else managers
            found += [Due(Kind.REVIEW_DUE, pk, m, REVIEW_OVERDUE, overdue) for m in managers]
    return found


COVER_STEP, MANAGERS_STEP = "cover", "managers"


def concern_escalates_after(imminent_risk) -> datetime.timedelta:
    if imminent_risk:
        return datetime.timedelta(minutes=settings.COSA_IMMINENT_CONCERN_ESCALATE_MINUTES)
    return _hours(settings.COSA_RED_CONCERN_TRIAGE_HOURS)


def due_untriaged_concerns(now):
    """A RED or imminent-risk concern still untriaged: first whoever covers the circle
    (circles.cover.who_covers), then the managers a further interval later. Imminent
    risk runs 24/7 through the on-call rota; RED waits for working hours unless
    COSA_ESCALATE_RED_OUT_OF_HOURS."""
    from circles import cover

    to_managers = datetime.timedelta(minutes=settings.COSA_CONCERN_MANAGER_ESCALATE_MINUTES)
    shortest = min(concern_escalates_after(True), concern_escalates_after(False))
    longest = max(concern_escalates_after(True), concern_escalates_after(False))
    working = cover.in_working_hours(now) or settings.COSA_ESCALATE_RED_OUT_OF_HOURS
    concerns = Concern.objects.filter(
        Q(severity=Concern.Severity.RED) | Q(imminent_risk=True),
        status=Concern.Status.RAISED,
        raised_at__lte=now - shortest,
        raised_at__gte=now - longest - to_managers - _lookback(),
    ).select_related("circle")
    if not working:
        concerns = concerns.filter(imminent_risk=True)
    managers = None
    found = []
    for concern in concerns:
        first_at = concern.raised_at + concern_escalates_after(concern.imminent_risk)
        if first_at > now:
            continue
        covering = cover.who_covers(concern.circle, at=now, out_of_hours_rota=concern.imminent_risk)
        found.append(Due(Kind.CONCERN_UNTRIAGED, concern.pk, covering.pk, COVER_STEP, first_at))
        if first_at + to_managers <= now:
            managers = _active_managers() if managers is None else managers
            found += [
                Due(Kind.CONCERN_UNTRIAGED, concern.pk, m, MANAGERS_STEP, first_at + to_managers)
                for m in managers
            ]
    return found


def due_dbs_rechecks(now):
    """A volunteer's latest DBS check due for renewal within 60 days: the coordinators of
    their circles (the managers when they are in none). Once per check and recipient."""
    ahead = datetime.timedelta(days=settings.COSA_DBS_RECHECK_AHEAD_DAYS)
    today = timezone.localtime(now, LONDON).date()
    checks = list(
        DBSCheck.objects.latest_per_volunteer()
        .filter(
            recheck_due_on__lte=today + ahead,
            volunteer__status__in=(Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED),
        )
        .values_list("pk", "volunteer_id", "recheck_due_on")
    )
    coordinators = defaultdict(set)
    memberships = CircleMembership.objects.current().filter(
        volunteer_id__in={c[1] for c in checks}, circle__status__in=OPEN_STATUSES
    )
    for volunteer_id, coordinator_id in memberships.values_list(
        "volunteer_id", "circle__coordinator_id"
    ):
        coordinators[volunteer_id].add(coordinator_id)
    managers = _active_managers() if checks else []
    found = []
    for pk, volunteer_id, recheck_due_on in checks:
        due_at = day_time(recheck_due_on - ahead)
        if due_at > now:
            continue  # later today, at the reminder time of day
        for recipient in sorted(coordinators[volunteer_id]) or managers:
            found.append(Due(Kind.DBS_RECHECK, pk, recipient, recheck_due_on.isoformat(), due_at))
    return found


FINDERS = [
    due_meeting_reminders,
    due_minutes_overdue,
    due_review_milestones,
    due_untriaged_concerns,
    due_dbs_rechecks,
]


def _chunks(items, size=900):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def reminders_create(dues, *, now=None) -> int:
    """Insert a row for each Due not yet recorded; returns how many this call inserted.

    Existing keys are read first so a routine sweep writes nothing; the unique
    constraint (with ``ignore_conflicts``) settles a race between two sweeps, and the
    count is of the rows this insert really wrote, so two sweeps at once do not both
    report the same rows as new.
    """
    now = now or timezone.now()
    by_kind = defaultdict(list)
    for due in dues:
        by_kind[due.kind].append(due)
    new = []
    for kind, items in by_kind.items():
        existing = set()
        for ids in _chunks(sorted({d.object_id for d in items})):
            existing.update(
                Reminder.objects.filter(kind=kind, object_id__in=ids).values_list(
                    "object_id", "recipient_id", "period"
                )
            )
        new += [
            Reminder(
                kind=d.kind,
                object_id=d.object_id,
                recipient_id=d.recipient_id,
                period=d.period,
                due_at=d.due_at,
                created_at=now,
            )
            for d in items
            if (d.object_id, d.recipient_id, d.period) not in existing
        ]
    return sum(_insert_ignoring_conflicts(chunk) for chunk in _chunks(new, 500))


def _insert_ignoring_conflicts(rows) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite), returning the ids
    of the rows inserted: a conflicting row returns nothing. ``bulk_create`` with
    ``ignore_conflicts`` returns every object it was given, inserted or not."""
    fields = [f for f in Reminder._meta.concrete_fields if not f.primary_key]
    for row in rows:
        for field in fields:
            field.pre_save(row, add=True)
    inserted = Reminder.objects._insert(
        rows,
        fields=fields,
        on_conflict=OnConflict.IGNORE,
        returning_fields=[Reminder._meta.pk],
    )
    return len(inserted or [])


def find_due(now=None) -> list[Due]:
    now = now or timezone.now()
    return [due for finder in FINDERS for due in finder(now)]


# Claiming and sweeping --------------------------------------------------------------------


@transaction.atomic
def reminders_claim(*, now=None, limit=None) -> list[int]:
    """Claim due, unsent rows: never claimed, or whose lease has expired.

    Rows another sweep holds are skipped (``skip_locked``); the send tasks are
    enqueued only after this transaction commits, so a worker always sees the claim.
    The claim's lease covers the wait in the queue (``COSA_REMINDER_CLAIM_TIMEOUT_SECONDS``).
    """
    from circles.tasks import send_reminder

    now = now or timezone.now()
    claimable = (
        Reminder.objects.due(now)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .filter(attempts__lt=settings.COSA_REMINDER_MAX_ATTEMPTS)
    )
    ids = list(
        claimable.order_by("due_at", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: limit or settings.COSA_SWEEP_BATCH]
    )
    if not ids:
        return []
    # Conditional: a row claimed or sent meanwhile (SQLite has no row locks) is left alone.
    claimable.filter(pk__in=ids).update(
        claimed_at=now,
        lease_expires_at=now
        + datetime.timedelta(seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS),
    )
    claimed = list(Reminder.objects.filter(pk__in=ids, claimed_at=now).values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue(send_reminder, claimed))
    return claimed


def _enqueue(task, ids):
    for pk in ids:
        try:
            task.delay(pk)
        except Exception:
            # Broker down: the claim times out and a later sweep enqueues it again.
            logger.warning("Could not enqueue %s(%s)", task.name, pk)
            return


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def sweep(*, now=None) -> SweepRun:
    """One sweep: record it, create what has come due, claim and enqueue sends."""
    now = now or timezone.now()
    run = SweepRun.objects.create(started_at=now)
    counter = _QueryCounter()
    try:
        with connection.execute_wrapper(counter):
            # Cover first: escalation asks who covers each circle at this moment.
            from circles.cover import cover_sweep

            cover_sweep(now=now)
            with transaction.atomic():
                run.created = reminders_create(find_due(now), now=now)
            # Claim in batches, each committed before its sends are enqueued, until
            # nothing is left or the time budget is spent (the next sweep goes on).
            budget = time.monotonic() + settings.COSA_SWEEP_MAX_SECONDS
            while True:
                claimed = len(reminders_claim(now=now))
                run.enqueued += claimed
                if claimed < settings.COSA_SWEEP_BATCH or time.monotonic() > budget:
                    break
            run.enqueued += len(notification_emails_claim(now=now))
            SweepRun.objects.filter(
                started_at__lt=now - datetime.timedelta(days=settings.COSA_SWEEP_HISTORY_DAYS)
            ).delete()
    except Exception as exc:
        run.error = repr(exc)[:500]
        raise
    finally:
        run.finished_at = timezone.now()
        run.queries = counter.count
        run.save(update_fields=["created", "enqueued", "error", "finished_at", "queries"])
    return run


# Sending ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Message:
    subject: str
    body: str
    link: str
    attachments: list = dataclasses.field(default_factory=list)


class NotNeeded(Exception):
    """The reminder's occasion has passed: nothing is sent."""


def _local(moment):
    return timezone.localtime(moment, LONDON)


def _when(moment):
    local = _local(moment)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def _is_current_member(circle, user):
    return CircleMembership.objects.current().filter(circle=circle, volunteer__user=user).exists()


def _compose_meeting(reminder, now):
    meeting = Meeting.objects.select_related("circle").get(pk=reminder.object_id)
    circle = meeting.circle
    if meeting.status != Meeting.Status.SCHEDULED:
        raise NotNeeded("meeting no longer scheduled")
    if meeting.starts_at <= now:
        raise NotNeeded("meeting has started")
    if circle.status not in OPEN_STATUSES:
        raise NotNeeded("circle not open")
    if not _is_current_member(circle, reminder.recipient):
        raise NotNeeded("recipient left the circle")
    venue = meeting.venue or circle.venue
    body = (
        f"Your circle meets on {_when(meeting.starts_at)} (UK time)"
        f"{f' at {venue}' if venue else ''}, for {meeting.duration_minutes} minutes. "
        "The attached calendar entry has the details."
    )
    return Message(
        subject=f"Reminder: {circle.name} meets {_when(meeting.starts_at)}",
        body=body,
        link=reverse("circles:detail", kwargs={"pk": circle.pk}),
        attachments=[("meeting.ics", meeting_ics(meeting, now=now), "text/calendar")],
    )


def _compose_minutes(reminder, now):
    meeting = Meeting.objects.select_related("circle").get(pk=reminder.object_id)
    circle = meeting.circle
    if meeting.status not in (Meeting.Status.SCHEDULED, Meeting.Status.HELD):
        raise NotNeeded("meeting cancelled or missed")
    if meeting.notes.filter(status__in=MeetingNote.DONE_STATUSES).exists():
        raise NotNeeded("minutes submitted")
    if circle.status not in OPEN_STATUSES:
        raise NotNeeded("circle not open")
    local = _local(meeting.starts_at)
    day = f"{local:%A} {local.day} {local:%B}"
    link = reverse("circles:note_detail", kwargs={"pk": circle.pk, "meeting_pk": meeting.pk})
    if reminder.period == FIRST:
        if not _is_current_member(circle, reminder.recipient):
            raise NotNeeded("recipient left the circle")
        return Message(
            subject=f"Minutes due: your circle's meeting of {day}",
            body="The minutes of this meeting were due within 48 hours. Please write them up.",
            link=link,
        )
    return Message(
        subject=f"Minutes overdue: {circle.name}, meeting of {day}",
        body="No minutes have been submitted for this meeting.",
        link=link,
    )


def _compose_review(reminder, now):
    milestone = ReviewMilestone.objects.select_related("circle").get(pk=reminder.object_id)
    circle = milestone.circle
    if milestone.completed_on is not None:
        raise NotNeeded("review recorded")
    if circle.status not in OPEN_STATUSES:
        raise NotNeeded("circle not open")
    label = milestone.get_kind_display()
    due = f"{milestone.due_on.day} {milestone.due_on:%B %Y}"
    subject = {
        REVIEW_AHEAD: f"Coming up: {label} of {circle.name}, due {due}",
        REVIEW_ON_DAY: f"Due today: {label} of {circle.name}",
        REVIEW_OVERDUE: f"Overdue: {label} of {circle.name}, due {due}",
    }[reminder.period]
    return Message(
        subject=subject,
        body="Record the review and its decision on the circle's page.",
        link=reverse("circles:detail", kwargs={"pk": circle.pk}),
    )


def _compose_concern(reminder, now):
    concern = Concern.objects.get(pk=reminder.object_id)
    if concern.status != Concern.Status.RAISED:
        raise NotNeeded("triaged")
    subject = (
        "Escalated: an urgent concern has not been triaged"
        if reminder.period == MANAGERS_STEP
        else "You are covering: an urgent concern has not been triaged"
    )
    return Message(
        subject=subject,
        body="A concern needing immediate attention is still waiting for triage.",
        link=reverse(
            "circles:concern_detail", kwargs={"pk": concern.circle_id, "concern_pk": concern.pk}
        ),
    )


def _compose_dbs(reminder, now):
    check = DBSCheck.objects.select_related("volunteer").get(pk=reminder.object_id)
    if check.volunteer.status not in (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED):
        raise NotNeeded("volunteer not active")
    if DBSCheck.objects.filter(volunteer=check.volunteer, issued_on__gt=check.issued_on).exists():
        raise NotNeeded("renewed")
    due = f"{check.recheck_due_on.day} {check.recheck_due_on:%B %Y}"
    return Message(
        subject=f"DBS recheck due on {due} for a volunteer",
        body="A volunteer's enhanced DBS check needs renewing. Their record has the details.",
        link=reverse("volunteers:detail", kwargs={"pk": check.volunteer_id}),
    )


COMPOSERS = {
    Kind.MEETING: _compose_meeting,
    Kind.MINUTES_OVERDUE: _compose_minutes,
    Kind.REVIEW_DUE: _compose_review,
    Kind.CONCERN_UNTRIAGED: _compose_concern,
    Kind.DBS_RECHECK: _compose_dbs,
}


def register(kind, *, finder, composer):
    """Add a kind of reminder owned by an app above this one (from its AppConfig.ready()).

    The sweep runs ``finder(now)`` with the others and sends with ``composer(reminder,
    now)``; this app never imports the app that owns the kind's objects. Registering the
    same kind twice (a second ``ready()``) changes nothing.
    """
    if finder not in FINDERS:
        FINDERS.append(finder)
    COMPOSERS[kind] = composer


def compose(reminder, now=None) -> Message:
    """The message for a reminder, or NotNeeded when its occasion has passed."""
    now = now or timezone.now()
    if not reminder.recipient.is_active:
        raise NotNeeded("recipient deactivated")
    try:
        return COMPOSERS[reminder.kind](reminder, now)
    except ObjectDoesNotExist as missing:  # any kind's object, registered ones too
        raise NotNeeded("object deleted") from missing


def reminder_lease_renew(*, reminder_id: int, seconds=None) -> None:
    """The worker holding a send takes its lease for ``COSA_REMINDER_SEND_LEASE_SECONDS``
    (or ``seconds``), committed at once: the sweep leaves the row alone meanwhile."""
    seconds = settings.COSA_REMINDER_SEND_LEASE_SECONDS if seconds is None else seconds
    Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(
        lease_expires_at=timezone.now() + datetime.timedelta(seconds=seconds)
    )


def reminder_send(*, reminder_id: int, now=None) -> str:
    """Send one reminder unless it has been sent: returns sent / skipped / already sent.

    The send first renews its lease (committed, so a sweep sees it), then locks the
    row from the check to the commit that marks it sent, so a duplicate task waits and
    then finds it sent. A failure rolls the send back (no bell entry, no mark) and the
    task retries.
    """
    reminder_lease_renew(reminder_id=reminder_id)
    return _reminder_send_locked(reminder_id=reminder_id, now=now)


@transaction.atomic
def _reminder_send_locked(*, reminder_id: int, now=None) -> str:
    reminder = (
        Reminder.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return "missing"
    if reminder.sent_at is not None:
        return "already sent"
    now = now or timezone.now()
    try:
        message = compose(reminder, now)
    except NotNeeded as reason:
        reminder.sent_at = now
        reminder.skipped_reason = str(reason)[:200]
        reminder.save(update_fields=["sent_at", "skipped_reason"])
        return "skipped"
    recipient = reminder.recipient
    # A name that reached the database with a line break (not through a form) must not
    # make the header invalid (BadHeaderError) and so fail every reminder that names it.
    subject = one_line(message.subject)
    notification = notification_create(
        recipient=recipient, subject=subject, link=message.link, body=message.body
    )
    if recipient.email:
        email = EmailMessage(
            subject,
            email_text(message.body, message.link),
            settings.DEFAULT_FROM_EMAIL,
            [recipient.email],
            headers={"Message-ID": message_id("reminder", reminder.pk)},
        )
        for attachment in message.attachments:
            email.attach(*attachment)
        email.send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    reminder.sent_at = timezone.now()
    reminder.attempts += 1
    reminder.last_error = ""
    reminder.save(update_fields=["sent_at", "attempts", "last_error"])
    return "sent"


def reminder_failed(
    *, reminder_id: int, error: BaseException | str, failures: int = 1, retry_in=None
) -> None:
    """Count failed attempts (outside the rolled-back send) for the operations page.

    ``failures`` > 1 records attempts that failed while the database was down, once it
    is back. ``retry_in`` (seconds) keeps the lease until the retry is due, so the sweep
    does not enqueue the row a second time meanwhile.
    """
    update = {"attempts": F("attempts") + failures, "last_error": _error_text(error)}
    if retry_in is not None:
        update["lease_expires_at"] = timezone.now() + datetime.timedelta(
            seconds=retry_in + settings.COSA_REMINDER_SEND_LEASE_SECONDS
        )
    Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(**update)


def _error_text(error) -> str:
    return (error if isinstance(error, str) else repr(error))[:500]


# Calendar attachment ----------------------------------------------------------------------

VTIMEZONE_LONDON = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def meeting_ics(meeting, *, now=None) -> str:
    """An iCalendar event in Europe/London wall-clock time, with the zone's rules.

    Written by the icalendar library, which escapes text values and folds long
    lines (RFC 5545 §3.3.11, §3.1): a line break in a circle or venue name stays
    inside the value instead of starting a property or event of its own.
    """
    now = now or timezone.now()
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "cosa"
    venue = meeting.venue or meeting.circle.venue
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//CoSA case management//Meeting reminders//EN")
    calendar.add("method", "PUBLISH")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(icalendar.Timezone.from_ical("\r\n".join(VTIMEZONE_LONDON)))
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@{host}")
    event.add("dtstamp", now.astimezone(datetime.UTC))
    event.add("dtstart", _local(meeting.starts_at))
    event.add("dtend", _local(meeting.ends_at))
    event.add("summary", f"{meeting.circle.name} meeting")
    if venue:
        event.add("location", venue)
    calendar.add_component(event)
    return calendar.to_ical().decode()
