"""Worker drill: real Celery workers on real Redis and PostgreSQL, killed and cut off.

    DATABASE_URL=postgres://…/cosa_drill REDIS_URL=redis://…/5 .venv/bin/python ops/worker_drill.py

Run by ``.ci/run`` on a freshly migrated database of its own (it writes fictional
circles, volunteers and meetings). What it does, and the figures it prints:

1. **kill -9 mid-run**: ``--reminders`` meeting reminders come due; one sweep enqueues
   them; two workers send them to a small SMTP server in this process
   (circles/tests/smtp_sink.py) that records each message's Message-ID. When a third
   has been delivered one worker is killed with SIGKILL and a new one started. Sweeps
   run every two seconds meanwhile, as a compressed beat. Figures: reminders lost (must
   be 0), e-mails delivered twice and whether every copy carried the same Message-ID
   (must), wasted runs (a send task that found its row already sent) and the longest
   the Redis queue grew (must not pass the number of reminders: leases stop a sweep
   from enqueuing rows still waiting in the queue).
2. **database restart**: more reminders come due; the workers reach PostgreSQL through
   a TCP proxy in this process, which drops every connection and refuses new ones for
   ``--outage`` seconds while they send. Figures: time from the database's return until
   every reminder is sent (the drain), and how many failed attempts were recorded once
   it was back (rows left with no attempt recorded and no send: must be 0).

The last line sums it up (``worker_drill: ...``); the exit status is non-zero when a
guarantee is broken. Leases are shortened for the drill (the send lease to 5 s), so
that a killed worker's send is taken again within the drill's two minutes.
"""

import argparse
import contextlib
import datetime
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DRILL_ENV = {
    "DJANGO_SETTINGS_MODULE": "cosa.settings",
    "DJANGO_DEBUG": "true",
    "DJANGO_CONN_MAX_AGE": "0",
    # A killed send is taken again 5 s after it started; a queued one only after 90 s.
    "COSA_REMINDER_SEND_LEASE_SECONDS": "5",
    "COSA_REMINDER_CLAIM_TIMEOUT_SECONDS": "90",
}
os.environ.update(DRILL_ENV)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from circles import reminders  # noqa: E402
from circles.models import CircleMembership, Reminder  # noqa: E402
from circles.tests.factories import (  # noqa: E402
    ActiveCircleFactory,
    CircleMembershipFactory,
    MeetingFactory,
)
from circles.tests.smtp_sink import SmtpSink, free_port  # noqa: E402


def say(text):
    print(f"worker_drill: {text}", flush=True)


# A TCP proxy in front of PostgreSQL that can be cut -----------------------------------------


class CuttableProxy:
    """127.0.0.1:<port> -> the database; ``cut()`` drops every connection and refuses new
    ones (a database restart, as the workers see it) until ``restore()``."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.pairs = []
        self.lock = threading.Lock()
        self.listener = None
        self.restore()

    def restore(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        self.listener.close()
        with self.lock:
            for pair in self.pairs:
                for sock in pair:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self.pairs.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()


# Workers --------------------------------------------------------------------------------------


class Worker:
    def __init__(self, env, log_dir):
        self.log_path = Path(log_dir) / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cosa",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"drill-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"worker_drill: a worker did not start:\n{self.text()[-3000:]}")
            time.sleep(0.2)

    def text(self):
        return self.log_path.read_text(errors="replace")

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def outcomes(workers):
    """What the send tasks returned, from the workers' logs ('sent', 'already sent')."""
    found = Counter()
    for worker in workers:
        found.update(
            re.findall(r"send_reminder\[[^\]]+\] succeeded in [\d.]+s: '([a-z ]+)'", worker.text())
        )
    return found


# Due work ---------------------------------------------------------------------------------------


def make_due(count, tag):
    """``count`` meeting reminders due now: circles of ten volunteers, meetings soon."""
    per_circle = 10
    made = 0
    while made < count:
        circle = ActiveCircleFactory(name=f"Drill circle {tag}-{made}")
        CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
        CircleMembershipFactory.create_batch(per_circle - 1, circle=circle)
        meetings = max(1, min(4, (count - made) // per_circle))
        for n in range(meetings):
            MeetingFactory(
                circle=circle,
                starts_at=timezone.now() + datetime.timedelta(hours=2, minutes=7 * n),
            )
        made += per_circle * meetings
    return made


def wait_until(predicate, timeout, tick=None, every=2.0):
    deadline = time.monotonic() + timeout
    last = 0.0
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick and time.monotonic() - last >= every:
            tick()
            last = time.monotonic()
        time.sleep(0.2)
    return predicate()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=120)
    parser.add_argument("--outage", type=float, default=6.0, help="seconds the database is away")
    options = parser.parse_args()

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("worker_drill: needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue.flushdb()
    db = connection.settings_dict
    proxy = CuttableProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    parts = urlsplit(os.environ["DATABASE_URL"])
    proxied = urlunsplit(
        parts._replace(netloc=f"{parts.netloc.rsplit('@', 1)[0]}@127.0.0.1:{proxy.port}")
    )
    problems = []
    started = time.monotonic()

    with SmtpSink() as sink, tempfile.TemporaryDirectory() as log_dir:
        env = dict(os.environ, DATABASE_URL=proxied, DJANGO_EMAIL_URL=sink.url)
        env["COSA_VAR_DIR"] = log_dir
        workers = [Worker(env, log_dir), Worker(env, log_dir)]
        try:
            # 1. kill -9 in the middle of the run.
            due = make_due(options.reminders, "kill")
            max_queue = 0

            def sweep():
                nonlocal max_queue
                reminders.sweep()
                max_queue = max(max_queue, queue.llen("celery"))

            sweep()
            say(f"{due} reminders due and enqueued; two workers sending")
            wait_until(lambda: len(sink.delivered()) >= due // 3, 60, tick=sweep)
            workers[0].kill()
            say(f"killed a worker with SIGKILL after {len(sink.delivered())} deliveries")
            workers.append(Worker(env, log_dir))
            drained = wait_until(
                lambda: not Reminder.objects.unsent().exists(), 90, tick=sweep, every=2.0
            )
            sweep()
            time.sleep(2)
            ids = Counter(message["Message-ID"] for _, message in sink.delivered())
            sent_keys = Counter(
                (recipients, message["Subject"]) for recipients, message in sink.delivered()
            )
            lost = Reminder.objects.unsent().count()
            duplicates = sum(n - 1 for n in sent_keys.values() if n > 1)
            same_id = sum(n - 1 for n in ids.values() if n > 1) == duplicates
            runs = outcomes(workers)
            say(
                f"kill -9: reminders={due} lost={lost} delivered={len(sink.delivered())} "
                f"duplicates={duplicates} duplicates_share_message_id={same_id} "
                f"wasted_runs={runs['already sent']} max_queue={max_queue}"
            )
            if not drained or lost:
                problems.append(f"{lost} reminders never sent after the kill")
            if not same_id or None in ids:
                problems.append("a duplicate e-mail had a Message-ID of its own")
            if max_queue > due:
                problems.append(f"the queue grew to {max_queue}, past the {due} reminders")

            # 2. The database goes away while the workers send.
            delivered_before = len(sink.delivered())
            more = make_due(options.reminders // 2, "outage")
            sweep()
            wait_until(lambda: len(sink.delivered()) >= delivered_before + more // 5, 60)
            proxy.cut()
            say(f"database cut off from the workers for {options.outage:.0f} s")
            time.sleep(options.outage)
            proxy.restore()
            back = time.monotonic()
            drained = wait_until(
                lambda: not Reminder.objects.unsent().exists(), 120, tick=sweep, every=2.0
            )
            drain = time.monotonic() - back
            stranded = Reminder.objects.unsent().filter(attempts=0).count()
            recorded = Reminder.objects.filter(attempts__gt=1).count()
            say(
                f"database restart: reminders={more} drain_seconds={drain:.1f} "
                f"failed_attempts_recorded_on_rows={recorded} "
                f"unsent={Reminder.objects.unsent().count()} stranded_without_a_record={stranded}"
            )
            if not drained:
                problems.append("reminders still unsent two minutes after the database returned")
        finally:
            for worker in workers:
                if worker.process.poll() is None:
                    worker.stop()
            proxy.cut()

    total = time.monotonic() - started
    summary = (
        f"reminders={due + more} lost={lost} duplicates={duplicates} "
        f"wasted_runs={runs['already sent']} max_queue={max_queue} "
        f"drain_after_db_restart_s={drain:.1f} took_s={total:.0f}"
    )
    if problems:
        say(f"FAILED: {'; '.join(problems)} ({summary})")
        sys.exit(1)
    say(f"ok {summary}")


if __name__ == "__main__":
    main()
