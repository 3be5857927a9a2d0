"""Celery tasks for circles: thin, ids in, a service call (DESIGN §5).

The one beat schedule (cosa/celery.py) runs ``sweep`` every few minutes and
``meetings_generate_all`` once a day. Every task is ``acks_late`` (set app-wide)
and idempotent, so redelivery after a crash is harmless.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from circles import reminders, services
from circles.models import Circle

MEETINGS_BATCH = 200
# The database is unavailable (restarting, failing over): nothing can be recorded now.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# Retries while the database is down: 5 s, 10 s, 20 s ... then every 5 minutes, for
# about half an hour in all, after which the sweep takes the row again.
DATABASE_MAX_RETRIES = 10


def database_backoff(retries):
    return min(300, 5 * 2**retries)


def failure_backoff(retries):
    return min(300, 30 * 2**retries)


@shared_task(acks_late=True, ignore_result=True)
def sweep():
    """Create the reminders that have come due, claim them and enqueue their sends."""
    run = reminders.sweep()
    return {"created": run.created, "enqueued": run.enqueued}


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_reminder(self, reminder_id, unrecorded_failures=0, unrecorded_error=""):
    """Send one reminder; run twice, it sends once.

    A database error is not recorded (recording needs the database): the task retries
    soon, carrying the failure, and records it on the attempt that finds the database
    back. Any other failure is recorded at once and retried with a longer backoff.
    """
    try:
        if unrecorded_failures:
            reminders.reminder_failed(
                reminder_id=reminder_id, error=unrecorded_error, failures=unrecorded_failures
            )
            unrecorded_failures, unrecorded_error = 0, ""
        return reminders.reminder_send(reminder_id=reminder_id)
    except DATABASE_ERRORS as exc:
        raise self.retry(
            args=[reminder_id],
            kwargs={
                "unrecorded_failures": unrecorded_failures + 1,
                "unrecorded_error": repr(exc)[:500],
            },
            exc=exc,
            countdown=database_backoff(self.request.retries),
            max_retries=DATABASE_MAX_RETRIES,
        ) from exc
    except Exception as exc:
        # Backoff capped at five minutes: no long ETAs; the sweep re-claims after that.
        countdown = failure_backoff(self.request.retries)
        carried = {}
        try:
            reminders.reminder_failed(reminder_id=reminder_id, error=exc, retry_in=countdown)
        except DATABASE_ERRORS:
            carried = {"unrecorded_failures": 1, "unrecorded_error": repr(exc)[:500]}
        raise self.retry(args=[reminder_id], kwargs=carried, exc=exc, countdown=countdown) from exc


@shared_task(acks_late=True, ignore_result=True)
def meetings_generate_all():
    """Daily: fan out meeting generation for every open circle, in small batches."""
    pks = list(
        Circle.objects.filter(status__in=reminders.OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pks), MEETINGS_BATCH):
        meetings_generate_batch.delay(pks[start : start + MEETINGS_BATCH])
    return len(pks)


@shared_task(acks_late=True, ignore_result=True)
def meetings_generate_batch(circle_ids):
    """Generate meetings ahead for these circles; existing slots are left alone."""
    created = 0
    for circle in Circle.objects.filter(pk__in=circle_ids, status__in=reminders.OPEN_STATUSES):
        created += services.meetings_generate(circle=circle)
    return created
