"""Reminders through a real Celery worker and real Redis (run by ``.ci/run``).

Each test starts ``celery worker`` as a subprocess against the live test
database (PostgreSQL) and the broker in ``REDIS_URL``, with its e-mail going
to a small SMTP server in this process that counts what it accepts
(``smtp_sink.py``). Without ``REDIS_URL`` these tests skip; with it, a worker
that does not deliver fails them.
"""

import datetime
import os
import shutil
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone

from circles import reminders
from circles.models import CircleMembership, Reminder
from circles.tests.factories import ActiveCircleFactory, CircleMembershipFactory, MeetingFactory
from circles.tests.smtp_sink import free_port
from circles.tests.worker_support import (
    _env,
    wait_for,
)

REDIS_URL = os.environ.get("REDIS_URL")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (run by .ci/run)"),
]


def due_meeting(volunteers=2):
    """A meeting two hours from now: its reminders are due for each volunteer."""
    circle = ActiveCircleFactory(name="Integration circle")
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    CircleMembershipFactory.create_batch(volunteers - 1, circle=circle)
    MeetingFactory(circle=circle, starts_at=timezone.now() + datetime.timedelta(hours=2))
    return sorted(circle.memberships.values_list("volunteer__user__email", flat=True))


def settle(sink, expected, worker, seconds=3):
    """Wait for the expected deliveries, then a little longer: nothing more may arrive."""
    wait_for(
        lambda: len(sink.delivered()) >= len(expected),
        f"the worker delivered {len(sink.delivered())} of {len(expected)}:\n{worker.tail()}",
        alive=worker,
    )
    wait_for(
        lambda: not Reminder.objects.unsent().exists(),
        f"reminders left unsent:\n{worker.tail()}",
        alive=worker,
    )
    time.sleep(seconds)
    assert sink.delivered_to() == expected, worker.tail()


def test_a_worker_started_here_uses_this_processs_broker_as_given(
    broker, sink, tmp_path, monkeypatch
):
    """Under pytest-xdist the worker must not pick a Redis database of its own again."""
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")

    env = _env(broker, sink, tmp_path)

    assert env["REDIS_URL"] == broker == settings.CELERY_BROKER_URL
    assert "PYTEST_XDIST_WORKER" not in env


def test_a_due_reminder_is_delivered_once_despite_double_sweeps_and_deliveries(
    broker, sink, workers, tmp_path
):
    from circles.tasks import send_reminder

    worker = workers(_env(broker, sink, tmp_path))
    recipients = due_meeting(volunteers=2)

    first = reminders.sweep()
    second = reminders.sweep()
    assert (first.created, first.enqueued) == (2, 2)
    assert (second.created, second.enqueued) == (0, 0)
    # The broker delivers each send task twice more (a redelivery, a duplicate publish).
    for pk in Reminder.objects.values_list("pk", flat=True):
        send_reminder.delay(pk)
        send_reminder.delay(pk)

    settle(sink, recipients, worker)
    _, message = sink.delivered()[0]
    calendar = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert calendar and b"TZID=Europe/London" in calendar[0].get_payload(decode=True)
    assert Reminder.objects.filter(sent_at__isnull=False, attempts=1).count() == 2


def test_a_worker_killed_mid_send_delivers_exactly_once_after_restart(
    broker, sink, workers, tmp_path
):
    env = _env(broker, sink, tmp_path)
    worker = workers(env)
    recipients = due_meeting(volunteers=1)
    sink.stall()

    reminders.sweep()
    wait_for(sink.stalled.is_set, f"the send never reached the mail server:\n{worker.tail()}")
    worker.kill()  # SIGKILL in the middle of the SMTP conversation
    sink.release()

    reminder = Reminder.objects.get()
    wait_for(
        lambda: not Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=False).exists(),
        "the killed send was marked sent",
    )
    assert sink.delivered() == []

    # The claim times out; the next sweep claims the row again (once: a second sweep at
    # the same moment leaves the fresh claim alone), and a new worker delivers it. The
    # worker starts after both sweeps: a running send renews its lease from the real
    # clock, which this test has moved on past.
    later = timezone.now() + datetime.timedelta(
        seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS + 1
    )
    assert reminders.sweep(now=later).enqueued == 1
    assert reminders.sweep(now=later).enqueued == 0
    worker = workers(env)
    settle(sink, recipients, worker)


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of our own, without persistence, that a test may restart."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs the redis-server program to restart a private Redis")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()

    class Server:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(  # noqa: S603
                [
                    binary,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(data),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for(self.ping, "the private Redis did not start", timeout=20)

        def ping(self):
            import redis

            try:
                return redis.Redis.from_url(self.url, socket_timeout=1).ping()
            except redis.exceptions.ConnectionError:
                return False

        def restart(self):
            self.process.kill()  # everything queued in it is lost
            self.process.wait(timeout=10)
            self.start()

        def queued(self):
            import redis

            return redis.Redis.from_url(self.url).llen("celery")

    server = Server()
    server.start()
    yield server
    server.process.kill()
    server.process.wait(timeout=10)


def _sweep_in_subprocess(env):
    """A sweep as beat would start it: another process, publishing to ``env``'s broker."""
    code = (
        "import django; django.setup()\n"
        "from circles.reminders import sweep\n"
        "run = sweep(); print(run.created, run.enqueued)\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    created, enqueued = map(int, done.stdout.split()[-2:])
    return created, enqueued


def test_redis_restarted_between_sweeps_loses_nothing(private_redis, sink, workers, tmp_path):
    env = _env(private_redis.url, sink, tmp_path, COSA_REMINDER_CLAIM_TIMEOUT_SECONDS="2")
    recipients = due_meeting(volunteers=2)

    # Sends are enqueued while no worker runs; then Redis restarts and forgets them.
    assert _sweep_in_subprocess(env) == (2, 2)
    assert private_redis.queued() == 2
    private_redis.restart()
    assert private_redis.queued() == 0
    assert Reminder.objects.unsent().count() == 2  # the due work is still in the database

    worker = workers(env)
    time.sleep(2.5)  # past the claim timeout
    assert _sweep_in_subprocess(env) == (0, 2)
    settle(sink, recipients, worker)

    # Redis restarts under a running worker: it reconnects and the next reminder arrives.
    private_redis.restart()
    more = due_meeting(volunteers=1)
    assert _sweep_in_subprocess(env) == (1, 1)
    settle(sink, sorted(recipients + more), worker)
