"""Celery tasks for accounts: thin, ids in, a service call, retried with backoff."""

from celery import shared_task

from accounts import notifications, throttle


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_notification_email(self, notification_id):
    """Idempotent: a notification's e-mail goes out once, however often this runs."""
    try:
        notifications.notification_email_send(notification_id=notification_id)
    except Exception as exc:
        notifications.notification_email_failed(notification_id=notification_id, error=exc)
        # Backoff capped at five minutes: no long ETAs (DESIGN §5); the sweep is the backstop.
        raise self.retry(exc=exc, countdown=min(300, 30 * 2**self.request.retries)) from exc


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_password_reset(self, request_id):
    """Idempotent: a password-reset request's mail goes out at most once."""
    reset = throttle.password_reset_claim(request_id=request_id)
    if reset is None:
        return
    try:
        throttle.password_reset_mail_send(reset=reset)
    except Exception as exc:
        throttle.password_reset_release(request_id=request_id)
        raise self.retry(exc=exc, countdown=min(300, 30 * 2**self.request.retries)) from exc
