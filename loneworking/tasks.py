"""Lone-working tasks: thin, ids in, a service call (DESIGN §5)."""

from celery import shared_task

from loneworking import services


@shared_task(acks_late=True, ignore_result=True)
def sweep():
    """Alert for check-ins overdue for check-out; re-enqueue texts whose send was lost."""
    return services.lone_working_sweep()


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_alert_sms(self, recipient_row_id):
    """Send one alert's text message; run twice, it sends once."""
    try:
        return services.alert_sms_send(recipient_row_id=recipient_row_id)
    except Exception as exc:
        services.alert_sms_failed(recipient_row_id=recipient_row_id, error=exc)
        raise self.retry(exc=exc, countdown=min(300, 15 * 2**self.request.retries)) from exc
