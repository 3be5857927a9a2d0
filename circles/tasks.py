"""Celery tasks for circles: thin, ids in, a service call (DESIGN §5).

The one beat schedule (cosa/celery.py) runs ``sweep`` every few minutes and
``meetings_generate_all`` once a day. Every task is ``acks_late`` (set app-wide)
and idempotent, so redelivery after a crash is harmless.
"""

from celery import shared_task

from circles import reminders, services
from circles.models import Circle

MEETINGS_BATCH = 200


@shared_task(acks_late=True, ignore_result=True)
def sweep():
    """Create the reminders that have come due, claim them and enqueue their sends."""
    run = reminders.sweep()
    return {"created": run.created, "enqueued": run.enqueued}


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_reminder(self, reminder_id):
    """Send one reminder; run twice, it sends once."""
    try:
        return reminders.reminder_send(reminder_id=reminder_id)
    except Exception as exc:
        reminders.reminder_failed(reminder_id=reminder_id, error=exc)
        # Backoff capped at five minutes: no long ETAs; the sweep re-claims after that.
        raise self.retry(exc=exc, countdown=min(300, 30 * 2**self.request.retries)) from exc


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
