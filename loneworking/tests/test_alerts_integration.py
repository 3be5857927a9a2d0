"""Lone-working alerts through real Celery workers and real Redis (run by ``.ci/run``).

The same harness as circles/tests/test_reminders_integration.py: workers are
``celery worker`` subprocesses against the live test database (PostgreSQL) and the
broker in ``REDIS_URL``; their e-mail goes to a counting SMTP server in this process
and their text messages to files (``loneworking.sms.FileBackend``). Without
``REDIS_URL`` these tests skip; with it, a worker that does not deliver fails them.
"""

import datetime
import os
import re
import time

import pytest
from django.utils import timezone

from accounts.models import Notification
from circles.tests.worker_support import (
    DELIVERY_TIMEOUT,
    Worker,
    _env,
    wait_for,
)
from loneworking.models import Alert, AlertRecipient
from loneworking.tests.conftest import start

REDIS_URL = os.environ.get("REDIS_URL")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (run by .ci/run)"),
]

Step = Alert.Step
SWEEP_DONE = re.compile(r"loneworking\.tasks\.sweep\[[^\]]+\] succeeded")
ALERT_SUBJECTS = (
    "Lone working: a volunteer has not checked out",
    "Escalated: a volunteer has still not checked out",
)


@pytest.fixture
def two_workers(tmp_path):
    started = []

    def start_all(env):
        for n in range(2):
            started.append(Worker(env, tmp_path / f"worker-{n}.log").start())
        return started

    yield start_all
    for worker in started:
        worker.stop()


def _texts(folder):
    if not folder.exists():
        return []
    return sorted(
        path.read_text(encoding="utf-8").splitlines()[0].removeprefix("To: ")
        for path in folder.iterdir()
    )


def _alert_emails(smtp):
    return sorted(
        address
        for recipients, message in smtp.delivered()
        if message["Subject"] in ALERT_SUBJECTS
        for address in recipients
    )


def _tails(workers, chars=2000):
    return "\n".join(worker.tail(chars) for worker in workers)


def _sweeps_done(workers):
    return len(SWEEP_DONE.findall(_tails(workers, chars=10**7)))


def _workers_texting_to_files(two_workers, broker, sink, tmp_path):
    """Two real workers whose texts go to files under ``tmp_path / "sms"``."""
    texts = tmp_path / "sms"
    env = _env(
        broker,
        sink,
        tmp_path,
        COSA_SMS_BACKEND="loneworking.sms.FileBackend",
        COSA_SMS_FILE_PATH=str(texts),
    )
    return two_workers(env), texts


def test_a_checked_out_volunteer_alerts_nobody_through_the_worker(
    broker,
    sink,
    two_workers,
    tmp_path,
    case,
):
    from loneworking import services
    from loneworking.tasks import sweep

    workers, texts = _workers_texting_to_files(two_workers, broker, sink, tmp_path)
    now = timezone.now()
    checkin, _ = start(case, now=now - datetime.timedelta(hours=3), hours=1)
    services.checkin_check_out(
        checkin=checkin, acting_user=case["vera"], now=now - datetime.timedelta(hours=2)
    )

    sweep.delay()
    sweep.delay()
    wait_for(
        lambda: _sweeps_done(workers) >= 2,
        f"the sweeps did not run:\n{_tails(workers)}",
    )
    time.sleep(2)
    assert not Alert.objects.exists()
    assert _alert_emails(sink) == []
    assert _texts(texts) == []


def test_an_overdue_check_in_alerts_each_step_once_despite_repeated_concurrent_sweeps(
    broker,
    sink,
    two_workers,
    tmp_path,
    case,
):
    from loneworking.tasks import sweep

    workers, texts = _workers_texting_to_files(two_workers, broker, sink, tmp_path)
    # Ended two hours ago: past the grace (30 min) and the managers' step (30 min more).
    now = timezone.now()
    checkin, _ = start(case, now=now - datetime.timedelta(hours=3), hours=1)

    # Beat's sweep delivered four times over to two workers at once (a retried publish,
    # a redelivery after a lost ack, two beats during a failover).
    for _ in range(4):
        sweep.delay()

    expected_emails = sorted([case["coordinator"].email, case["manager"].email])
    expected_texts = sorted([case["coordinator"].phone, case["manager"].phone])
    wait_for(
        lambda: (
            len(_alert_emails(sink)) >= len(expected_emails)
            and len(_texts(texts)) >= len(expected_texts)
        ),
        f"delivered {_alert_emails(sink)} and texts {_texts(texts)}:\n{_tails(workers)}",
        timeout=DELIVERY_TIMEOUT,
    )
    wait_for(
        lambda: (
            not AlertRecipient.objects.sms_pending().exists()
            and not Notification.objects.email_pending().exists()
        ),
        f"sends left pending:\n{_tails(workers)}",
    )
    time.sleep(3)  # nothing more may arrive

    alerts = Alert.objects.filter(checkin=checkin)
    assert sorted(alerts.values_list("step", flat=True)) == [
        Step.OVERDUE_COVER,
        Step.OVERDUE_MANAGERS,
    ]
    cover_alert = alerts.get(step=Step.OVERDUE_COVER)
    managers_alert = alerts.get(step=Step.OVERDUE_MANAGERS)
    assert [r.recipient for r in cover_alert.recipients.all()] == [case["coordinator"]]
    assert [r.recipient for r in managers_alert.recipients.all()] == [case["manager"]]
    # One bell entry per step and person, one e-mail each, one text each.
    bells = Notification.objects.filter(link__startswith="/lone-working/alerts/")
    assert sorted(bells.values_list("recipient_id", "link")) == sorted(
        [
            (case["coordinator"].pk, f"/lone-working/alerts/{cover_alert.pk}/"),
            (case["manager"].pk, f"/lone-working/alerts/{managers_alert.pk}/"),
        ]
    )
    assert _alert_emails(sink) == expected_emails, _tails(workers)
    assert _texts(texts) == expected_texts, _tails(workers)
    assert list(AlertRecipient.objects.values_list("sms_attempts", flat=True).distinct()) == [1]
    # The workers really ran every sweep.
    wait_for(
        lambda: _sweeps_done(workers) >= 4,
        f"not every sweep ran:\n{_tails(workers)}",
    )
