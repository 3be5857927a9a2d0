"""``make run`` stops cleanly on Ctrl-C: every process it started is gone within seconds.

The real thing: ``make run`` on a free port, in its own process group as a terminal
would run it, then SIGINT to that group (what Ctrl-C does). Every process make
started carries a marker in its environment, so any survivor is found, even one in
a session of its own. The first run in a fresh clone migrates and seeds the demo in
``var/test-make-run/`` (about a minute); later runs reuse it (about 15 s).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from devtools import run

BASE_DIR = Path(settings.BASE_DIR)
VAR_DIR = BASE_DIR / "var" / "test-make-run"
MARKER = "COSA_MAKE_RUN_TEST"

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or shutil.which("make") is None, reason="needs make and /proc"
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_with(marker):
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            if marker.encode() in environ:
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


def _wait_for(url, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run exited before serving"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"make run did not answer {url} within {timeout} s")


def _env(marker):
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "COSA_", "CELERY_", "PYTEST"))
        and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    keep.update({"COSA_VAR_DIR": str(VAR_DIR), MARKER: marker})
    return keep


def test_ctrl_c_stops_make_run_and_everything_it_started(tmp_path):
    port = _free_port()
    marker_value = uuid.uuid4().hex
    marker = f"{MARKER}={marker_value}"
    log = (tmp_path / "make-run.log").open("w+")
    make = subprocess.Popen(  # noqa: S603 - our own Makefile
        ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}"],  # noqa: S607
        cwd=BASE_DIR,
        env=_env(marker_value),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/login/", make, timeout=600)
        started = {pid for pid, _ in _processes_with(marker)}
        assert len(started) >= 4  # make, the supervisor, runserver (2), celery (2+)
        lines_before = len(Path(log.name).read_text().splitlines())

        os.killpg(make.pid, signal.SIGINT)
        stopped_at = time.monotonic()
        make.wait(timeout=10)
        while _processes_with(marker) and time.monotonic() - stopped_at < 5:
            time.sleep(0.1)
        survivors = _processes_with(marker)
        took = time.monotonic() - stopped_at
    finally:
        for pid, _ in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)

    output = Path(log.name).read_text()
    assert survivors == [], survivors
    assert took < 5, took
    after = output.splitlines()[lines_before:]
    assert len(after) < 15, after
    assert output.count("Warm shutdown") <= 1
    assert "Segmentation fault" not in output
    assert "Traceback" not in output
    assert "run: stopped." in output
    # The server log stays readable: no kombu warning about the broker's host name.
    assert "No hostname was supplied" not in output


def test_the_printed_demo_logins_command_works_as_printed():
    """``make demo-logins``, as make run and demo_logins print it, prints the table."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["make", "--no-print-directory", "demo-logins"],  # noqa: S607
        cwd=BASE_DIR,
        env=_env("demo-logins"),
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stderr
    assert "manager@example.org" in result.stdout
    assert "`make demo-logins`" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_time():
    ignoring = subprocess.Popen(  # noqa: S603 - a fixed test child
        [
            sys.executable,
            "-c",
            "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    # Wait until the child ignores TERM (a loaded machine may take seconds to start it).
    assert ignoring.stdout.readline().strip() == "ready"
    said = []
    started = time.monotonic()

    run.stop({"worker": ignoring}, grace=0.5, write=said.append)

    assert ignoring.poll() == -signal.SIGKILL
    assert time.monotonic() - started < 3
    assert said == ["run: worker still shutting down after 0.5 s; killed it."]
