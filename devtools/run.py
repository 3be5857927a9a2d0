"""``make run``'s supervisor: the development server and a Celery worker with beat.

    python -m devtools.run --host 127.0.0.1 --port 8000

Each child runs in a session of its own, so Ctrl-C in the terminal reaches this
process only (not the children, nor them twice). On SIGINT or SIGTERM, or when
either child exits, it sends SIGTERM to each child (the whole group of the
runserver autoreloader's child; Celery's main process, which stops its pool and
beat), waits a moment, then SIGKILLs whatever is left, and exits. It needs no
Django: it only starts and stops processes.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# Celery's warm shutdown with the filesystem broker takes 4-7 s (its loop polls the
# broker for 2 s at a time). Not waiting for it loses nothing that matters in
# development: a reminder cut off mid-send is claimed again by a later sweep.
GRACE_SECONDS = 2.0


def commands(host, port, var_dir):
    python = sys.executable
    celery = str(Path(python).with_name("celery"))
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        "worker": [
            celery,
            "-A",
            "cosa",
            "worker",
            "--beat",
            "--loglevel=INFO",
            "--concurrency=1",
            "--schedule",
            str(Path(var_dir) / "celerybeat-schedule"),
        ],
    }


def _signal_group(process, sig):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _terminate(name, process):
    if name == "worker":
        # Celery's main process stops its pool and beat itself (a warm shutdown); a
        # TERM to the pool directly would be logged as a crashed pool process.
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    else:
        # runserver's autoreloader and the server it restarts both go at once.
        _signal_group(process, signal.SIGTERM)


def stop(processes, grace=GRACE_SECONDS, write=print):
    """TERM each child, then KILL its whole group once it or ``grace`` s has gone."""
    for name, process in processes.items():
        _terminate(name, process)
    deadline = time.monotonic() + grace
    for process in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for name, process in processes.items():
        # Asked before the KILL: after it, the child may already be gone.
        lingering = process.poll() is None
        # The group may outlive its leader (the autoreloader's child, Celery's pool).
        _signal_group(process, signal.SIGKILL)
        if lingering:
            write(f"run: {name} still shutting down after {grace:g} s; killed it.")
            process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--var-dir", default=os.environ.get("COSA_VAR_DIR", "var"))
    options = parser.parse_args(argv)

    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    processes = {
        name: subprocess.Popen(command, start_new_session=True)  # noqa: S603 - fixed commands
        for name, command in commands(options.host, options.port, options.var_dir).items()
    }
    exited = None
    while not stopping and exited is None:
        exited = next((n for n, p in processes.items() if p.poll() is not None), None)
        time.sleep(0.2)
    # Ignore a second Ctrl-C while stopping: the children are being stopped anyway.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if exited:
        print(f"run: {exited} exited with {processes[exited].returncode}; stopping the rest.")
    else:
        print("run: stopping the server and the worker.")
    sys.stdout.flush()
    stop(processes)
    print("run: stopped.")
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
