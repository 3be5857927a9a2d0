"""`manage.py bench`: every role's everyday pages under gunicorn, as ratios to a floor.

1. Picks typical users from the generate_scale data (a coordinator with an ordinary
   caseload, one of their circles and Core Members, a volunteer of an open circle with
   minutes still editable, a liaison with records, a manager).
2. Counts each page's SQL queries in-process (Django's test client, one request each).
3. Starts gunicorn with production settings (DJANGO_DEBUG off, cached templates,
   persistent connections) on 127.0.0.1, with sessions made directly in the database
   (password and second factor passed, as after a real login).
4. Drives every page, and the floor (``floor``: the same middleware, a trivial template),
   from concurrent clients for a fixed time, each client going round all the pages in
   its own shuffled order, so every page sees the same machine load.
5. Prints p50, p95, requests per second, queries per request and errors per page,
   and as the last line
   ``bench: pages=N worst_page=NAME worst_p95_ms=X floor_p95_ms=Y worst_ratio=Z errors=E``.

Traffic goes to 127.0.0.1 only, and every loop is bounded in time.
"""

import dataclasses
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import LOGIN_AT, SEEN_AT
from accounts.models import User
from circles.models import Circle, CircleMembership, MeetingNote

BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclasses.dataclass
class Page:
    name: str
    path: str
    user: User
    queries: int | None = None
    latencies: list = dataclasses.field(default_factory=list)
    errors: int = 0
    statuses: dict = dataclasses.field(default_factory=dict)


def pick_pages():
    """The pages and the users who open them, from the generated data."""
    coordinator = (
        User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
        .annotate(
            open_circles=Count(
                "coordinated_circles", filter=~Q(coordinated_circles__status="ENDED")
            )
        )
        .filter(open_circles__gt=0)
        .order_by("-open_circles", "pk")
        .first()
    )
    if coordinator is None:
        raise RuntimeError("No coordinator with an open circle: run generate_scale first.")
    circle = Circle.objects.open().filter(coordinator=coordinator).order_by("pk").first()
    now = timezone.now()
    note = (
        MeetingNote.objects.filter(
            meeting__circle__status=Circle.Status.ACTIVE,
            status=MeetingNote.Status.SUBMITTED,
            meeting__starts_at__lt=now,
            author__role=User.Role.VOLUNTEER,
            author__is_active=True,
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at")
        .first()
    )
    if note is None:
        raise RuntimeError("No submitted minutes of an open circle to edit.")
    volunteer = note.author
    assert (
        CircleMembership.objects.current()
        .filter(circle_id=note.meeting.circle_id, volunteer__user=volunteer)
        .exists()
    ), "the minutes' author is no longer in the circle"
    liaison = (
        User.objects.filter(role=User.Role.LIAISON, is_active=True)
        .annotate(records=Count("received_records"))
        .order_by("-records", "pk")
        .first()
    )
    manager = User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk").first()
    if liaison is None or manager is None:
        raise RuntimeError("No liaison or manager: run generate_scale first.")
    meeting = note.meeting
    return [
        Page("floor", reverse("devtools:floor"), coordinator),
        Page("coordinator_dashboard", reverse("circles:dashboard"), coordinator),
        Page("circle_page", reverse("circles:detail", args=[circle.pk]), coordinator),
        Page(
            "core_member_page",
            reverse("core_members:detail", args=[circle.core_member_id]),
            coordinator,
        ),
        Page("volunteer_pool", reverse("volunteers:index"), coordinator),
        Page("volunteer_start", reverse("circles:mine"), volunteer),
        Page(
            "minutes_form",
            reverse("circles:note_write", args=[meeting.circle_id, meeting.pk]),
            volunteer,
        ),
        Page("liaison_inbox", reverse("sharing:records"), liaison),
        Page("manager_reports", reverse("reports:index"), manager),
    ]


def _device(user):
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Bench device", defaults={"confirmed": True}
    )
    return device


def make_session(user):
    """A session as after the password and the second factor; returns its key."""
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    session = SessionStore()
    now = int(time.time())
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = _device(user).persistent_id
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.save()
    return session.session_key


def count_queries(pages, host="127.0.0.1"):
    """Each page's SQL queries, in-process; the second request of two (warm caches)."""
    for page in pages:
        client = Client(HTTP_HOST=host)
        client.cookies[settings.SESSION_COOKIE_NAME] = make_session(page.user)
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(page.path, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{page.name}: {page.path} answered {response.status_code}")
        page.queries = len(captured.captured_queries)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(port):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    # The sessions were signed in this process: the server must share its key.
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    env["DJANGO_SETTINGS_MODULE"] = "cosa.settings"
    # Production settings with the development tools, whose /floor/ page is the baseline.
    env["COSA_DEVTOOLS"] = "true"
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    # Plain HTTP on loopback: the bench says it came through a TLS proxy instead.
    env["DJANGO_BEHIND_TLS_PROXY"] = "true"
    env.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    return env


def start_gunicorn(port, workers, base_dir):
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "cosa.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        command, cwd=base_dir, env=production_env(port), start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(process)
    raise RuntimeError("gunicorn did not start within 60 s")


def stop_gunicorn(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _get(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "GET",
            path,
            headers={
                "Host": "127.0.0.1",
                "Cookie": cookie,
                "X-Forwarded-Proto": "https",
                "Connection": "close",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def drive(pages, port, *, clients, seconds, warmup, seed=10):
    """Concurrent clients, each with its own sessions, round all pages until time is up."""
    lock = threading.Lock()
    sessions = [{page.user.pk: make_session(page.user) for page in pages} for _ in range(clients)]
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds

    def worker(index):
        rng = random.Random(seed + index)  # noqa: S311 - shuffling page order
        cookies = {
            pk: f"{settings.SESSION_COOKIE_NAME}={key}" for pk, key in sessions[index].items()
        }
        order = list(pages)
        while time.monotonic() < stop_at:
            rng.shuffle(order)
            for page in order:
                now = time.monotonic()
                if now >= stop_at:
                    return
                began = time.perf_counter()
                try:
                    status = _get(port, page.path, cookies[page.user.pk])
                except (OSError, http.client.HTTPException):
                    status = 599
                elapsed = time.perf_counter() - began
                if now < measure_from:
                    continue
                with lock:
                    page.latencies.append(elapsed)
                    page.statuses[status] = page.statuses.get(status, 0) + 1
                    if status != 200:
                        page.errors += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + warmup + 120)
    return seconds


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def report(pages, seconds, write):
    floor = next(page for page in pages if page.name == "floor")
    floor_p95 = percentile(floor.latencies, 0.95) * 1000
    write(
        f"{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'x floor':>9}{'req/s':>8}"
        f"{'queries':>9}{'errors':>8}{'requests':>10}"
    )
    worst = None
    for page in pages:
        p50 = percentile(page.latencies, 0.5) * 1000
        p95 = percentile(page.latencies, 0.95) * 1000
        ratio = p95 / floor_p95 if floor_p95 else float("nan")
        write(
            f"{page.name:<24}{p50:>9.1f}{p95:>9.1f}{ratio:>9.1f}"
            f"{len(page.latencies) / seconds:>8.1f}{page.queries:>9}{page.errors:>8}"
            f"{len(page.latencies):>10}"
        )
        if page is not floor and (worst is None or p95 > worst[1]):
            worst = (page.name, p95, ratio)
        if page.errors:
            write(f"  {page.name} statuses: {page.statuses}")
    errors = sum(page.errors for page in pages)
    benched = [page for page in pages if page is not floor]
    write(
        f"bench: pages={len(benched)} worst_page={worst[0]} worst_p95_ms={worst[1]:.1f} "
        f"floor_p95_ms={floor_p95:.1f} worst_ratio={worst[2]:.1f} errors={errors}"
    )
    return worst, floor_p95, errors


def run(*, clients=4, seconds=60, warmup=5, workers=3, write=print, base_dir=None):
    if connection.vendor != "postgresql":
        raise RuntimeError("The bench runs on PostgreSQL: set DATABASE_URL.")
    base_dir = base_dir or settings.BASE_DIR
    pages = pick_pages()
    count_queries(pages)
    port = _free_port()
    # Close this process's connection: gunicorn's workers open their own.
    connection.close()
    process = start_gunicorn(port, workers, base_dir)
    try:
        load = os.getloadavg()
        write(
            f"gunicorn: {workers} sync workers on 127.0.0.1:{port}; {clients} clients for "
            f"{seconds} s after {warmup} s warm-up; load before {load[0]:.2f} {load[1]:.2f} "
            f"{load[2]:.2f}; {os.cpu_count()} cores"
        )
        for page in pages:
            write(f"  {page.name:<24} {page.path}  ({page.user.get_role_display().lower()})")
        drive(pages, port, clients=clients, seconds=seconds, warmup=warmup)
        load = os.getloadavg()
        write(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        stop_gunicorn(process)
    if statistics.mean(len(page.latencies) for page in pages) == 0:
        raise RuntimeError("No request completed.")
    return report(pages, seconds, write)
