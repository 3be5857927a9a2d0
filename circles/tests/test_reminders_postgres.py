"""Two sweeps at once on PostgreSQL: each due reminder is claimed, and e-mailed, once.

Real row locks need a real database with concurrent connections, so these run
on PostgreSQL only (``.ci/run``); SQLite has no ``SELECT ... FOR UPDATE``.
"""

import datetime
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from circles import reminders, tasks
from circles.models import CircleMembership, Reminder
from circles.tests.factories import ActiveCircleFactory, CircleMembershipFactory, MeetingFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (run by .ci/run)"
    ),
]


@pytest.fixture
def due_reminders():
    circle = ActiveCircleFactory()
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    CircleMembershipFactory.create_batch(3, circle=circle)
    for hours in (2, 3, 4):
        MeetingFactory(circle=circle, starts_at=timezone.now() + datetime.timedelta(hours=hours))
    return 12  # three meetings, four volunteers


@pytest.fixture
def enqueued(monkeypatch):
    """Every send the sweeps enqueue, in order (no broker: the test runs the tasks)."""
    sends = []
    lock = threading.Lock()

    def collect(task, ids):
        with lock:
            sends.extend(ids)

    monkeypatch.setattr(reminders, "_enqueue", collect)
    return sends


def _in_thread(target, *args):
    result = {}

    def run():
        try:
            result["value"] = target(*args)
        except Exception as exc:  # reported by the caller
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_second_sweep_skips_rows_the_first_has_locked(due_reminders, enqueued):
    reminders.reminders_create(reminders.find_due(timezone.now()))
    assert Reminder.objects.count() == due_reminders
    with transaction.atomic():
        first = reminders.reminders_claim(limit=5)  # holds locks on five rows
        thread, result = _in_thread(lambda: reminders.reminders_claim())
        thread.join(timeout=20)
        assert not thread.is_alive(), "the second sweep waited on the first one's locks"
    assert "error" not in result, result.get("error")
    assert len(first) == 5
    assert len(result["value"]) == due_reminders - 5
    assert not set(first) & set(result["value"])


def test_two_sweeps_at_once_send_one_email_per_reminder(due_reminders, enqueued):
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait(timeout=10)
        return reminders.sweep()

    threads = [_in_thread(sweep) for _ in range(2)]
    for thread, _ in threads:
        thread.join(timeout=60)
    for _, result in threads:
        assert "error" not in result, result.get("error")

    assert Reminder.objects.count() == due_reminders
    # The history counts what each sweep inserted: together, each row once.
    assert sum(result["value"].created for _, result in threads) == due_reminders
    keys = Counter(Reminder.objects.values_list("kind", "object_id", "recipient_id", "period"))
    assert set(keys.values()) == {1}
    assert sorted(enqueued) == sorted(Reminder.objects.values_list("pk", flat=True))

    # Each enqueued send, and a duplicate of each, run on two threads at once.
    def send_all(ids):
        return [tasks.send_reminder(pk) for pk in ids]

    pairs = [_in_thread(send_all, enqueued), _in_thread(send_all, list(reversed(enqueued)))]
    for thread, _ in pairs:
        thread.join(timeout=120)
    outcomes = Counter(o for _, result in pairs for o in result["value"])
    assert outcomes == {"sent": due_reminders, "already sent": due_reminders}
    assert len(mail.outbox) == due_reminders
