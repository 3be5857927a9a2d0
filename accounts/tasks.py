"""Celery tasks for accounts: thin, ids in, a service call, retried with backoff."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts import notifications, throttle

# The database is unavailable (restarting, failing over): nothing can be recorded now.
DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_MAX_RETRIES = 10


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_notification_email(self, notification_id, unrecorded_failures=0, unrecorded_error=""):
    """Idempotent: a notification's e-mail goes out once, however often this runs.

    A database error is retried soon (5 s, 10 s, ... up to 5 minutes) without calling
    the failure handler, which needs the database; the attempt that finds the database
    back records it. Any other failure is recorded at once.
    """
    try:
        if unrecorded_failures:
            notifications.notification_email_failed(
                notification_id=notification_id,
                error=unrecorded_error,
                failures=unrecorded_failures,
            )
            unrecorded_failures, unrecorded_error = 0, ""
        notifications.notification_email_send(notification_id=notification_id)
    except DATABASE_ERRORS as exc:
        raise self.retry(
            args=[notification_id],
            kwargs={
                "unrecorded_failures": unrecorded_failures + 1,
                "unrecorded_error": repr(exc)[:500],
            },
            exc=exc,
            countdown=min(300, 5 * 2**self.request.retries),
            max_retries=DATABASE_MAX_RETRIES,
        ) from exc
    except Exception as exc:
        carried = {}
        try:
            notifications.notification_email_failed(notification_id=notification_id, error=exc)
        except DATABASE_ERRORS:
            carried = {"unrecorded_failures": 1, "unrecorded_error": repr(exc)[:500]}
        # Backoff capped at five minutes: no long ETAs (DESIGN §5); the sweep is the backstop.
        raise self.retry(
            args=[notification_id],
            kwargs=carried,
            exc=exc,
            countdown=min(300, 30 * 2**self.request.retries),
        ) from exc


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
