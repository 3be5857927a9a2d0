"""The reminder workers under faults: a database outage, a backlog, racing sweeps, and a
send repeated after a crash (circles/tasks.py, circles/reminders.py).

- A database error is retried soon, without calling the failure handler (which needs
  the database), and the failed attempt is recorded once the database is back.
- A claim holds a lease: a send still waiting in the queue is not enqueued again by the
  next sweeps; a worker that starts it renews the lease, short; only an expired lease
  is claimed again.
- The sweep history counts the rows inserted, not the rows it tried to insert.
- A reminder e-mail's Message-ID comes from its row, so a repeat carries the same one.
"""

import datetime
import os
import smtplib
import subprocess
import sys
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend
from django.db import InterfaceError, OperationalError
from django.db.models import QuerySet

from circles import reminders, tasks
from circles.models import CircleMembership, Reminder, ReminderQuerySet, Weekday
from circles.tests.factories import ActiveCircleFactory, CircleMembershipFactory, MeetingFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
SWEEP_AT = datetime.datetime(2026, 10, 28, 19, 0)


@pytest.fixture
def due(freeze_time):
    """Three volunteers with a meeting tomorrow evening: three reminders, swept at 19:00."""
    freeze_time(datetime.datetime(2026, 10, 1, 12, 0))
    circle = ActiveCircleFactory(weekday=Weekday.THURSDAY, meeting_time=datetime.time(18, 30))
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    CircleMembershipFactory.create_batch(2, circle=circle)
    MeetingFactory(
        circle=circle,
        starts_at=datetime.datetime(2026, 10, 29, 18, 30, tzinfo=LONDON).astimezone(datetime.UTC),
    )
    return circle


def minutes(n):
    return datetime.timedelta(minutes=n)


def seconds(n):
    return datetime.timedelta(seconds=n)


# A database outage ---------------------------------------------------------------------


@pytest.fixture
def database_down_on_first_attempt(monkeypatch):
    """The database fails every call of the first attempt; it is back for the retries."""
    calls = {"failed_handler_while_down": 0}
    real_send, real_failed = reminders.reminder_send, reminders.reminder_failed

    def down():
        return tasks.send_reminder.request.retries == 0

    def send(**kwargs):
        if down():
            raise OperationalError("terminating connection due to administrator command")
        return real_send(**kwargs)

    def failed(**kwargs):
        if down():
            calls["failed_handler_while_down"] += 1
            raise OperationalError("the database system is shutting down")
        return real_failed(**kwargs)

    monkeypatch.setattr(reminders, "reminder_send", send)
    monkeypatch.setattr(reminders, "reminder_failed", failed)
    return calls


def test_a_database_error_is_retried_and_recorded_once_the_database_is_back(
    due, freeze_time, database_down_on_first_attempt
):
    reminders.sweep(now=freeze_time(SWEEP_AT))
    reminder = Reminder.objects.order_by("pk").first()

    result = tasks.send_reminder.apply(args=[reminder.pk])  # a worker's run, with its retries

    assert result.successful(), result.traceback
    assert result.result == "sent"
    # The failure handler was never asked to write while the database was down...
    assert database_down_on_first_attempt["failed_handler_while_down"] == 0
    reminder.refresh_from_db()
    # ...and the failed attempt was counted when it came back: two attempts, one sent.
    assert reminder.sent_at is not None
    assert reminder.attempts == 2
    assert len(mail.outbox) == 1


def test_a_database_error_then_a_mail_failure_records_both_attempts_and_the_last_error(
    due, freeze_time, monkeypatch
):
    reminders.sweep(now=freeze_time(SWEEP_AT))
    reminder = Reminder.objects.order_by("pk").first()

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    # The attempt after the outage carries the failure it could not record.
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.send_reminder(
            reminder.pk, unrecorded_failures=2, unrecorded_error="OperationalError('down')"
        )
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    assert reminder.attempts == 3
    assert "mail server went away" in reminder.last_error


@pytest.mark.parametrize("error", [OperationalError("down"), InterfaceError("closed")])
def test_database_errors_retry_sooner_and_longer_than_other_failures(error, monkeypatch):
    retried = {}

    def fake_retry(**options):
        retried.update(options)
        return RuntimeError("retry")

    def send(**kwargs):
        raise error

    monkeypatch.setattr(reminders, "reminder_send", send)
    monkeypatch.setattr(tasks.send_reminder, "retry", fake_retry)
    with pytest.raises(RuntimeError):
        tasks.send_reminder.run(41)
    assert retried["countdown"] <= 5
    assert retried["max_retries"] > tasks.send_reminder.max_retries
    assert retried["kwargs"]["unrecorded_failures"] == 1
    assert type(error).__name__ in retried["kwargs"]["unrecorded_error"]
    # The whole backoff rides out an outage of half an hour before the sweep takes over.
    total = sum(tasks.database_backoff(n) for n in range(tasks.DATABASE_MAX_RETRIES))
    assert 20 * 60 <= total <= 60 * 60


# Leases --------------------------------------------------------------------------------


def test_a_claim_still_waiting_in_the_queue_is_not_enqueued_again(due, freeze_time):
    now = freeze_time(SWEEP_AT)
    assert reminders.sweep(now=now).enqueued == 3
    # A backlog: the sends wait in the queue for longer than the old ten-minute timeout.
    for later in (minutes(5), minutes(11), minutes(25)):
        assert reminders.sweep(now=freeze_time(now + later)).enqueued == 0
    lease = seconds(settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS)
    assert reminders.sweep(now=freeze_time(now + lease - seconds(1))).enqueued == 0
    # Only once the lease has really expired (the message was lost) is it enqueued again.
    assert reminders.sweep(now=freeze_time(now + lease)).enqueued == 3


def test_a_running_send_renews_its_lease_and_a_dead_one_is_soon_taken_again(
    due, freeze_time, monkeypatch
):
    now = freeze_time(SWEEP_AT)
    reminders.sweep(now=now)
    reminder = Reminder.objects.order_by("pk").first()
    queued_lease = seconds(settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS)
    send_lease = seconds(settings.COSA_REMINDER_SEND_LEASE_SECONDS)
    assert Reminder.objects.get(pk=reminder.pk).lease_expires_at == now + queued_lease

    # The worker takes it just before its queued lease ends, and dies in the SMTP exchange.
    started = freeze_time(now + queued_lease - seconds(10))
    seen = {}

    def die(self, *args, **kwargs):
        seen["lease"] = Reminder.objects.get(pk=reminder.pk).lease_expires_at
        raise KeyboardInterrupt("SIGKILL")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", die)
    with pytest.raises(KeyboardInterrupt):
        reminders.reminder_send(reminder_id=reminder.pk)
    assert seen["lease"] == started + send_lease  # renewed when the send started
    monkeypatch.undo()

    # Past the queued lease the row is still held (renewed); past the send lease it is not.
    assert reminders.sweep(now=freeze_time(now + queued_lease + seconds(1))).enqueued == 2
    assert reminders.sweep(now=freeze_time(started + send_lease - seconds(1))).enqueued == 0
    assert reminders.sweep(now=freeze_time(started + send_lease)).enqueued == 1
    assert tasks.send_reminder(reminder.pk) == "sent"


def test_a_failed_send_keeps_its_lease_until_its_retry_is_due(due, freeze_time, monkeypatch):
    now = freeze_time(SWEEP_AT)
    reminders.sweep(now=now)
    reminder = Reminder.objects.order_by("pk").first()

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.send_reminder(reminder.pk)
    reminder.refresh_from_db()
    retry_in = seconds(tasks.failure_backoff(0))
    assert reminder.lease_expires_at == now + retry_in + seconds(
        settings.COSA_REMINDER_SEND_LEASE_SECONDS
    )


# The sweep history ---------------------------------------------------------------------


def test_a_sweep_racing_another_over_the_same_dues_records_only_what_it_inserted(
    due, freeze_time, monkeypatch
):
    now = freeze_time(SWEEP_AT)
    assert reminders.sweep(now=now).created == 3
    # The second sweep read the existing keys before the first one committed: to it,
    # every due looks new, and the constraint drops every one of its inserts.
    values_list = QuerySet.values_list

    def read_before_the_other_commit(self, *fields, **kwargs):
        if fields == ("object_id", "recipient_id", "period"):
            return values_list(self.none(), *fields, **kwargs)
        return values_list(self, *fields, **kwargs)

    monkeypatch.setattr(ReminderQuerySet, "values_list", read_before_the_other_commit)
    second = reminders.sweep(now=freeze_time(now + seconds(1)))
    assert second.created == 0
    assert Reminder.objects.count() == 3


def test_a_second_sweep_over_the_same_dues_records_created_zero(due, freeze_time):
    now = freeze_time(SWEEP_AT)
    assert reminders.sweep(now=now).created == 3
    assert reminders.sweep(now=freeze_time(now + minutes(5))).created == 0


# Message-ID and the SMTP timeout --------------------------------------------------------


def test_a_reminder_sent_twice_carries_the_same_message_id(due, freeze_time):
    reminders.sweep(now=freeze_time(SWEEP_AT))
    first, second = Reminder.objects.order_by("pk")[:2]
    assert tasks.send_reminder(first.pk) == "sent"
    # The worker died after the mail server took the message, before the commit.
    Reminder.objects.filter(pk=first.pk).update(sent_at=None)
    assert tasks.send_reminder(first.pk) == "sent"
    assert tasks.send_reminder(second.pk) == "sent"

    ids = [message.message()["Message-ID"] for message in mail.outbox]
    domain = settings.COSA_MESSAGE_ID_DOMAIN
    assert ids[0] == ids[1] == f"<reminder-{first.pk}.cosa@{domain}>"
    assert ids[2] == f"<reminder-{second.pk}.cosa@{domain}>"


def test_the_smtp_connection_has_a_timeout():
    assert settings.EMAIL_TIMEOUT == 20
    assert EmailBackend().timeout == settings.EMAIL_TIMEOUT


def test_the_smtp_timeout_and_message_id_domain_come_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cosa.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.EMAIL_TIMEOUT, settings.COSA_MESSAGE_ID_DOMAIN)"
    )

    def start(**variables):
        environ = {"PATH": os.environ.get("PATH", ""), "DJANGO_DEBUG": "true", **variables}
        return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert start(COSA_SITE_URL="https://cosa.example.org:8443/").stdout.split() == [
        "20",
        "cosa.example.org",
    ]
    assert start(DJANGO_EMAIL_TIMEOUT="5").stdout.split()[0] == "5"
    refused = start(DJANGO_EMAIL_TIMEOUT="0")
    assert refused.returncode != 0 and "DJANGO_EMAIL_TIMEOUT" in refused.stderr
