"""Notification e-mails under faults (accounts/tasks.py, accounts/notifications.py): a
database outage is retried and recorded once the database is back; a running send
renews its claim; a repeated send carries the same Message-ID."""

import datetime
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from accounts import notifications, tasks
from accounts.models import Notification
from accounts.tests.factories import CoordinatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notification(monkeypatch):
    monkeypatch.setattr(tasks.send_notification_email, "delay", lambda pk: None)
    return notifications.notify(recipient=CoordinatorFactory(), subject="Minutes due", link="/x/")


def test_a_database_error_is_retried_and_recorded_once_the_database_is_back(
    notification, monkeypatch
):
    real_send, real_failed = (
        notifications.notification_email_send,
        notifications.notification_email_failed,
    )
    handler_while_down = []

    def down():
        return tasks.send_notification_email.request.retries < 2  # two attempts fail

    def send(**kwargs):
        if down():
            raise OperationalError("the database system is starting up")
        return real_send(**kwargs)

    def failed(**kwargs):
        if down():
            handler_while_down.append(kwargs)
            raise OperationalError("the database system is starting up")
        return real_failed(**kwargs)

    monkeypatch.setattr(notifications, "notification_email_send", send)
    monkeypatch.setattr(notifications, "notification_email_failed", failed)

    result = tasks.send_notification_email.apply(args=[notification.pk])

    assert result.successful(), result.traceback
    # While down, the handler was never called for the error just met; only the next
    # attempt's record of the earlier ones was tried (and failed, and was carried on).
    assert all(call.get("failures") for call in handler_while_down)
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.email_attempts == 3  # two failed while down, recorded, one sent
    assert len(mail.outbox) == 1


def test_an_attempt_after_an_outage_that_fails_records_the_outage_and_its_own_error(
    notification, monkeypatch
):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.send_notification_email(
            notification.pk, unrecorded_failures=1, unrecorded_error="OperationalError('x')"
        )
    notification.refresh_from_db()
    assert notification.email_attempts == 2
    assert notification.email_error.startswith("SMTPServerDisconnected")


def test_a_running_send_renews_its_claim_so_the_sweep_leaves_it_alone(
    notification, monkeypatch, freeze_time
):
    timeout = datetime.timedelta(seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS)
    started = freeze_time(timezone.now() + timeout + datetime.timedelta(seconds=5))
    seen = {}

    def slow(self, *args, **kwargs):
        seen["claimed_at"] = Notification.objects.get(pk=notification.pk).email_claimed_at
        raise KeyboardInterrupt("the worker was killed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", slow)
    with pytest.raises(KeyboardInterrupt):
        notifications.notification_email_send(notification_id=notification.pk)
    assert seen["claimed_at"] == started
    assert notifications.notification_emails_claim(now=started) == []


def test_a_notification_sent_twice_carries_the_same_message_id(notification):
    tasks.send_notification_email(notification.pk)
    # Killed after the mail server accepted it, before the commit: sent again.
    Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
    tasks.send_notification_email(notification.pk)

    assert len(mail.outbox) == 2
    ids = {message.message()["Message-ID"] for message in mail.outbox}
    assert ids == {f"<notification-{notification.pk}.cosa@{settings.COSA_MESSAGE_ID_DOMAIN}>"}
