"""The harness for tests through real Celery workers and real Redis (run by ``.ci/run``):
a worker subprocess on the live test database (PostgreSQL), an SMTP sink that counts
what it accepts, and this test process's own broker."""

import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from circles.tests.smtp_sink import SmtpSink
from cosa.celery import app as celery_app

DELIVERY_TIMEOUT = 60


def _database_url():
    """The live test database, for the worker process to open."""
    if connection.vendor != "postgresql":
        pytest.fail(
            "REDIS_URL is set but the test database is SQLite in memory, which a worker "
            "process cannot open: set DATABASE_URL to PostgreSQL (as .ci/run does)."
        )
    d = connection.settings_dict
    user = quote(d["USER"] or "", safe="")
    password = quote(d["PASSWORD"] or "", safe="")
    return (
        f"postgres://{user}:{password}@{d['HOST'] or 'localhost'}:{d['PORT'] or 5432}/{d['NAME']}"
    )


def _env(broker_url, sink, tmp_path, **extra):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="cosa.test_settings",
        DATABASE_URL=_database_url(),
        REDIS_URL=broker_url,
        DJANGO_EMAIL_URL=sink.url,
        COSA_VAR_DIR=str(tmp_path),
        DJANGO_CONN_MAX_AGE="0",
        **extra,
    )
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    # The broker URL above is already this xdist worker's own (cosa.test_settings).
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


class Worker:
    """``celery worker`` in a subprocess: one process, so SIGKILL kills the send itself."""

    def __init__(self, env, log_path):
        self.env = env
        self.log_path = log_path
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()/kill()
        start = self.log_path.stat().st_size if self.log_path.exists() else 0
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
                f"it-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: "ready." in self.log_path.read_text(errors="replace")[start:],
            f"the worker did not start:\n{self.tail()}",
            alive=self,
        )
        return self

    def tail(self, chars=4000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process:
            self.log.close()


def wait_for(predicate, message, timeout=DELIVERY_TIMEOUT, alive=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if alive is not None and alive.process.poll() is not None:
            pytest.fail(f"the worker exited ({alive.process.returncode}): {message}")
        time.sleep(0.2)
    pytest.fail(message)


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(env):
        worker = Worker(env, tmp_path / "worker.log").start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def broker():
    """This test process's broker, emptied of anything earlier tests left.

    Under pytest-xdist each process has a Redis database of its own
    (cosa.test_settings), so a worker started here never takes another's tasks.
    """
    celery_app.control.purge()
    yield settings.CELERY_BROKER_URL
    celery_app.control.purge()
