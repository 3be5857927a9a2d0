"""Check in, check out, ask for help, and the sweep that alerts when no one checked out.

Alerts are raised exactly once per step: the check-in row is locked while a step is
looked for and inserted, and the ``alert_once_per_step`` constraint settles any race
the lock cannot (SQLite). The bell entry and e-mail go through ``accounts.notifications``
(the e-mail says only "call the volunteer" and links to the alert page, which holds
the phone number and venue behind a login); the text message is sent by a task after
commit, once per recipient (``sms_sent_at`` under a row lock), and a lost enqueue is
picked up by the next sweep.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify
from circles import cover
from circles.models import Circle
from cosa.services import service
from loneworking import access
from loneworking.models import Alert, AlertRecipient, CheckIn, token_digest
from loneworking.sms import send_sms

logger = logging.getLogger(__name__)
Step = Alert.Step
# Overdue check-ins older than this when first found are not alerted (after an outage
# of days an alert helps nobody; the volunteer's record still shows it open).
LOOKBACK = datetime.timedelta(days=1)


def _minutes(n):
    return datetime.timedelta(minutes=n)


def grace():
    return _minutes(settings.COSA_LONE_WORKING_GRACE_MINUTES)


def managers_after():
    return _minutes(settings.COSA_LONE_WORKING_MANAGERS_AFTER_MINUTES)


def validate_expected_end(expected_end_at, now=None):
    now = now or timezone.now()
    limit = settings.COSA_LONE_WORKING_MAX_HOURS
    if expected_end_at <= now:
        raise ValidationError({"expected_end_at": "Choose an end time later than now."})
    if expected_end_at > now + datetime.timedelta(hours=limit):
        raise ValidationError(
            {"expected_end_at": f"Choose an end time within the next {limit} hours."}
        )


# The volunteer ---------------------------------------------------------------------------


@service
@transaction.atomic
def checkin_start(
    *,
    circle: Circle,
    kind: str,
    venue: str,
    expected_end_at: datetime.datetime,
    phone: str,
    acting_user: User,
    now=None,
) -> tuple[CheckIn, str]:
    """Check ``acting_user`` in for a contact with their circle's Core Member; returns
    the check-in and its link's raw token (shown once, stored only as a digest)."""
    now = now or timezone.now()
    if not access.may_check_in(acting_user, circle):
        raise PermissionError("Only a current volunteer of the circle checks in to it.")
    validate_expected_end(expected_end_at, now)
    # One contact at a time: a second check-in while the first is still running (the
    # same form sent from two tabs, say) is refused. The lock on the volunteer's row
    # makes two at once take turns, so the second sees the first.
    User.objects.select_for_update().filter(pk=acting_user.pk).first()
    running = (
        CheckIn.objects.filter(
            volunteer=acting_user,
            checked_out_at__isnull=True,
            started_at__lte=now,
            expected_end_at__gt=now,
        )
        .order_by("expected_end_at")
        .first()
    )
    if running is not None:
        until = timezone.localtime(running.expected_end_at).strftime("%H:%M")
        raise ValidationError(
            f"You are already checked in until {until}. Check out of that contact first, "
            "then check in again."
        )
    raw = secrets.token_urlsafe(32)
    checkin = CheckIn(
        volunteer=acting_user,
        circle=circle,
        kind=kind,
        venue=(venue or "").strip(),
        expected_end_at=expected_end_at,
        phone=(phone or "").strip(),
        started_at=now,
        token_hash=token_digest(raw),
        link_expires_at=expected_end_at
        + datetime.timedelta(hours=settings.COSA_LONE_WORKING_LINK_HOURS),
    )
    checkin.full_clean()
    checkin.save()
    return checkin, raw


def _require_own(checkin, acting_user):
    if acting_user is None or acting_user.pk != checkin.volunteer_id:
        raise PermissionError("Only the volunteer who checked in acts on the check-in.")


@service
@transaction.atomic
def checkin_check_out(*, checkin: CheckIn, acting_user: User, now=None) -> bool:
    """Check out; True when this call did (a second click changes nothing)."""
    _require_own(checkin, acting_user)
    now = now or timezone.now()
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if checkin.checked_out_at is not None:
        return False
    checkin.checked_out_at = now
    checkin.save(update_fields=["checked_out_at"])
    return True


@service
@transaction.atomic
def checkin_help(*, checkin: CheckIn, acting_user: User, now=None) -> Alert | None:
    """The silent "I need help": whoever covers the circle is alerted now, once; a
    second press returns None and alerts nobody again."""
    _require_own(checkin, acting_user)
    return _raise(checkin.pk, Step.HELP, now or timezone.now())


# Raising an alert ------------------------------------------------------------------------


def _exists(checkin_id, step):
    return Alert.objects.filter(checkin_id=checkin_id, step=step).exists()


def _raise(checkin_id, step, now) -> Alert | None:
    """Insert the step's alert and alert its people, unless already raised."""
    checkin = (
        CheckIn.objects.select_for_update()
        .select_related("circle", "volunteer")
        .filter(pk=checkin_id)
        .first()
    )
    if checkin is None:
        return None
    if step != Step.HELP and checkin.checked_out_at is not None:
        return None
    if _exists(checkin_id, step):
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(checkin=checkin, step=step, raised_at=now)
    except IntegrityError:
        return None  # another sweep or click inserted it first
    for recipient in _recipients(checkin, step, now):
        _alert_one(alert, recipient, now)
    return alert


def _active_managers():
    return list(User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk"))


def _recipients(checkin, step, now) -> list[User]:
    if step == Step.OVERDUE_MANAGERS:
        return _active_managers()
    # A volunteer alone needs an answer at any hour: the on-call rota out of hours.
    covering = cover.who_covers(checkin.circle, at=now, out_of_hours_rota=True)
    if covering is None or not covering.is_active:
        return _active_managers()
    return [covering]


def _sms_number(recipient, now):
    shift = cover.on_call_at(now)
    if shift is not None and shift.staff_id == recipient.pk and shift.phone:
        return shift.phone
    return recipient.phone or ""


def alert_link(alert) -> str:
    return reverse("loneworking:alert", kwargs={"pk": alert.pk})


def _alert_one(alert, recipient, now):
    subject, body = {
        Step.OVERDUE_COVER: (
            "Lone working: a volunteer has not checked out",
            "Call the volunteer now. Their phone number and planned venue are on the alert page.",
        ),
        Step.OVERDUE_MANAGERS: (
            "Escalated: a volunteer has still not checked out",
            "Call the volunteer now. Their phone number and planned venue are on the alert page.",
        ),
        Step.HELP: (
            "Urgent: a volunteer has asked for help",
            "A volunteer meeting alone pressed 'I need help'. Call the volunteer now. Their "
            "phone number and planned venue are on the alert page.",
        ),
    }[alert.step]
    notify(recipient=recipient, subject=subject, link=alert_link(alert), body=body)
    number = _sms_number(recipient, now)
    row = AlertRecipient.objects.create(
        alert=alert,
        recipient=recipient,
        sms_to=number,
        sms_wanted=bool(number),
        sms_claimed_at=now if number else None,
    )
    if row.sms_wanted:
        transaction.on_commit(lambda: _enqueue_sms([row.pk]))


def _enqueue_sms(ids):
    from loneworking.tasks import send_alert_sms

    for pk in ids:
        try:
            send_alert_sms.delay(pk)
        except Exception:
            # The broker is down: the claim goes stale and the next sweep enqueues it.
            logger.warning("Could not enqueue the text of alert recipient %s", pk)
            return


def sms_text(row) -> str:
    checkin = row.alert.checkin
    name = checkin.volunteer.first_name or "A volunteer"
    url = f"{settings.SITE_URL}{alert_link(row.alert)}"
    if row.alert.step == Step.HELP:
        what = f"{name} (volunteer) pressed 'I need help'."
    else:
        end = timezone.localtime(checkin.expected_end_at, cover.LONDON)
        what = f"{name} (volunteer) has not checked out (expected by {end:%H:%M})."
    return f"CoSA lone working: {what} Call them on {checkin.phone}. Details: {url}"


def alert_sms_send(*, recipient_row_id: int) -> bool:
    """Send one text unless sent: True when this call sent it. The row stays locked
    while it goes out, so a duplicate task waits and then finds it sent."""
    AlertRecipient.objects.sms_pending().filter(pk=recipient_row_id).update(
        sms_claimed_at=timezone.now()
    )
    return _alert_sms_send_locked(recipient_row_id)


@transaction.atomic
def _alert_sms_send_locked(recipient_row_id) -> bool:
    row = (
        AlertRecipient.objects.select_for_update()
        .select_related("alert__checkin__volunteer")
        .filter(pk=recipient_row_id)
        .first()
    )
    if row is None or not row.sms_wanted or row.sms_sent_at is not None:
        return False
    # Marked before it goes, in the same transaction (a failed send rolls the mark back):
    # where the database has no row locks (SQLite) the conditional update is the claim.
    marked = AlertRecipient.objects.filter(pk=row.pk, sms_sent_at__isnull=True).update(
        sms_sent_at=timezone.now(), sms_attempts=F("sms_attempts") + 1
    )
    if not marked:
        return False
    send_sms(row.sms_to, sms_text(row))
    return True


def alert_sms_failed(*, recipient_row_id: int, error) -> None:
    AlertRecipient.objects.filter(pk=recipient_row_id, sms_sent_at__isnull=True).update(
        sms_attempts=F("sms_attempts") + 1, sms_error=repr(error)[:500]
    )


# The sweep -------------------------------------------------------------------------------


def due_steps(now) -> list[tuple[int, str]]:
    """(check-in, step) pairs that have come due and are not yet raised: two queries."""
    cover_due = (
        CheckIn.objects.overdue(now, after=grace())
        .filter(expected_end_at__gte=now - LOOKBACK)
        .exclude(alerts__step=Step.OVERDUE_COVER)
        .values_list("pk", flat=True)
    )
    managers_due = (
        CheckIn.objects.overdue(now, after=grace() + managers_after())
        .filter(expected_end_at__gte=now - LOOKBACK)
        .exclude(alerts__step=Step.OVERDUE_MANAGERS)
        .values_list("pk", flat=True)
    )
    return [(pk, Step.OVERDUE_COVER) for pk in cover_due] + [
        (pk, Step.OVERDUE_MANAGERS) for pk in managers_due
    ]


def _claim_stale_sms(now) -> list[int]:
    stale = now - datetime.timedelta(seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS)
    with transaction.atomic():
        ids = list(
            AlertRecipient.objects.sms_pending()
            .filter(sms_claimed_at__lt=stale, sms_attempts__lt=settings.COSA_REMINDER_MAX_ATTEMPTS)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: settings.COSA_SWEEP_BATCH]
        )
        if ids:
            AlertRecipient.objects.filter(pk__in=ids).update(sms_claimed_at=now)
            transaction.on_commit(lambda: _enqueue_sms(ids))
    return ids


def lone_working_sweep(*, now=None) -> dict:
    """Raise every step that has come due (each in its own transaction, so one
    failure does not hold back the others) and re-enqueue lost texts."""
    now = now or timezone.now()
    raised = 0
    for checkin_id, step in due_steps(now):
        with transaction.atomic():
            if _raise(checkin_id, step, now) is not None:
                raised += 1
    return {"raised": raised, "texts_requeued": len(_claim_stale_sms(now))}
