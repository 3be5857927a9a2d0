"""`manage.py bench`: every role's everyday pages under gunicorn, as ratios to a floor.

1. Picks typical users from the generate_scale data (a coordinator with an ordinary
   caseload, one of their circles, Core Members, referrals and concerns, a volunteer of
   an open circle with minutes still editable, a liaison with records, a manager), and
   the pages each opens every day (``pick_pages``: the one place to add a page).
2. Counts each page's SQL queries in-process (Django's test client, one request each).
3. Times how long one password check costs at the production Argon2 parameters and at
   the candidates beside them, in this process.
4. Starts gunicorn with production settings (DJANGO_DEBUG off, cached templates,
   persistent connections) on 127.0.0.1, with sessions made directly in the database
   (password and second factor passed, as after a real login), and measures in three
   phases:

   - **service time**: each page alone, one client, sequential requests after a
     warm-up: median and p95, and the ratio of the median to the floor's (``floor``: the
     same middleware, a trivial template) measured the same way. What one user waits
     on a quiet machine.
   - **concurrent**: N clients for a fixed time, each going round all the pages in its
     own shuffled order: p50, p95, requests per second, errors. Mostly queueing.
   - **logins**: K users posting their password to /login/ at once (the password step,
     up to the second-factor page): logins per second and how long the burst took.

5. Prints a per-page table of both phases and the queries per request, the login
   burst, and as the last line
   ``bench: pages=N worst_service_page=NAME worst_service_ms=X floor_service_ms=Y
   worst_service_ratio=Z worst_page=NAME worst_p95_ms=P floor_p95_ms=F worst_ratio=R
   errors=E logins_per_s=L`` (one line).

Traffic goes to 127.0.0.1 only, and every loop is bounded in time or count.
"""

import dataclasses
import http.client
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, get_hasher
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.middleware import LOGIN_AT, SEEN_AT
from accounts.models import User
from circles.models import Circle, CircleMembership, Concern, MeetingNote
from volunteers.models import Volunteer

BACKEND = "accounts.backends.AccountBackend"
FLOOR = "floor"
# The login burst's users get this password for the run (generate_scale makes every
# password unusable) and their unusable one back afterwards. Fictional, loopback only.
BENCH_PASSWORD = "bench-only-violet-harbour-47"  # noqa: S105 - throwaway, restored after
SUMMARY_FIELDS = (
    "pages",
    "worst_service_page",
    "worst_service_ms",
    "floor_service_ms",
    "worst_service_ratio",
    "worst_page",
    "worst_p95_ms",
    "floor_p95_ms",
    "worst_ratio",
    "errors",
    "logins_per_s",
)


@dataclasses.dataclass
class Page:
    name: str
    path: str
    user: User
    queries: int | None = None
    # Sequential requests, one client (service time), in seconds.
    service: list = dataclasses.field(default_factory=list)
    # Requests under concurrent clients, in seconds.
    latencies: list = dataclasses.field(default_factory=list)
    errors: int = 0
    statuses: dict = dataclasses.field(default_factory=dict)

    def count(self, status):
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status != 200:
            self.errors += 1


@dataclasses.dataclass
class LoginBurst:
    users: int
    clients: int
    seconds: float = 0.0
    latencies: list = dataclasses.field(default_factory=list)
    errors: int = 0
    statuses: dict = dataclasses.field(default_factory=dict)

    @property
    def logins_per_s(self):
        succeeded = self.users - self.errors
        return succeeded / self.seconds if self.seconds > 0 else float("nan")


def url(*names, args=()):
    """The path of the first of ``names`` that resolves.

    Pages are named by URL name, and views move between apps (the shared records from
    ``core_members`` to ``sharing``): list the new name first and the old one after.
    """
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"None of {names} resolves with args {args}.")


def _first(queryset, what):
    found = queryset.first()
    if found is None:
        raise RuntimeError(f"No {what} in the data: run generate_scale first.")
    return found


def _feed_token(user):
    from calendars.services import feed_token_create

    return feed_token_create(user=user, acting_user=user)


def _circle_with_local_volunteers(coordinator):
    """The coordinator's first open circle with active volunteers, not yet in it, who
    live in or travel to the Core Member's district: the pool's first visit lists those
    (at the smallest sizes most districts have none)."""
    for circle in (
        Circle.objects.open()
        .filter(coordinator=coordinator)
        .select_related("core_member")
        .order_by("pk")[:50]
    ):
        district = circle.core_member.home_district
        members = CircleMembership.objects.current().filter(circle=circle).values("volunteer")
        if district and Volunteer.objects.active().near(district).exclude(pk__in=members).exists():
            return circle
    return None


def pick_pages():
    """Every role's everyday pages and the users who open them, from the generated data.

    The one place to add a page: a page is a name, a path (by URL name, through ``url``)
    and the user who opens it. The floor comes first; the rest are grouped by role.
    """
    now = timezone.now()
    coordinator = _first(
        User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
        .annotate(
            open_circles=Count(
                "coordinated_circles", filter=~Q(coordinated_circles__status="ENDED")
            )
        )
        .filter(open_circles__gt=0)
        .order_by("-open_circles", "pk"),
        "coordinator with an open circle",
    )
    circle = Circle.objects.open().filter(coordinator=coordinator).order_by("pk").first()
    match_circle = _circle_with_local_volunteers(coordinator) or circle
    concern = _first(
        Concern.objects.filter(circle__coordinator=coordinator).order_by("-raised_at", "-pk"),
        "concern in the coordinator's circles",
    )
    referral = _first(
        coordinator.assigned_referrals.order_by("-received_on", "-pk"),
        "referral assigned to the coordinator",
    )
    note = _first(
        MeetingNote.objects.filter(
            meeting__circle__status=Circle.Status.ACTIVE,
            status=MeetingNote.Status.SUBMITTED,
            meeting__starts_at__lt=now,
            author__role=User.Role.VOLUNTEER,
            author__is_active=True,
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at"),
        "submitted minutes of an open circle to edit",
    )
    volunteer = note.author
    meeting = note.meeting
    assert (
        CircleMembership.objects.current()
        .filter(circle_id=meeting.circle_id, volunteer__user=volunteer)
        .exists()
    ), "the minutes' author is no longer in the circle"
    to_review = _first(
        MeetingNote.objects.filter(
            meeting__circle__coordinator=coordinator, status=MeetingNote.Status.SUBMITTED
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at"),
        "submitted minutes in the coordinator's circles",
    ).meeting
    pool_member = _first(
        CircleMembership.objects.current()
        .filter(circle=circle)
        .select_related("volunteer")
        .order_by("pk"),
        "volunteer in the coordinator's circle",
    ).volunteer
    liaison = _first(
        User.objects.filter(role=User.Role.LIAISON, is_active=True)
        .annotate(records=Count("received_records"))
        .order_by("-records", "pk"),
        "liaison",
    )
    received = _first(liaison.received_records.order_by("-pk"), "record sent to the liaison")
    assigned = _first(
        liaison.liaison_assignments.filter(ended_on__isnull=True).order_by("pk"),
        "current liaison assignment",
    )
    manager = _first(
        User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk"), "manager"
    )
    surname = circle.core_member.last_name
    typo = surname[:-2] + surname[-1] if len(surname) > 3 else surname
    records = ("sharing:records", "core_members:records")
    record_detail = ("sharing:record_detail", "core_members:record_detail")
    return [
        Page(FLOOR, url("devtools:floor"), coordinator),
        # Coordinator: start page, their circles and Core Members, referrals, concerns,
        # minutes to review, shared records, the volunteer pool, notifications.
        Page("coordinator_dashboard", url("circles:dashboard"), coordinator),
        Page("coordinator_concerns", url("circles:dashboard_list", args=["concerns"]), coordinator),
        Page("circles_list", url("circles:index"), coordinator),
        Page("circle_page", url("circles:detail", args=[circle.pk]), coordinator),
        Page("circle_meetings", url("circles:meetings", args=[circle.pk]), coordinator),
        # Matching: the national pool, ranked and with exclusions, for one circle.
        Page("circle_match", url("circles:match", args=[match_circle.pk]), coordinator),
        Page("core_members_list", url("core_members:index"), coordinator),
        Page(
            "core_member_page",
            url("core_members:detail", args=[circle.core_member_id]),
            coordinator,
        ),
        Page(
            "coordinator_chronology",
            url("chronology:chronology", args=[circle.core_member_id]),
            coordinator,
        ),
        Page("referral_list", url("core_members:referrals"), coordinator),
        Page("referral_page", url("core_members:referral_detail", args=[referral.pk]), coordinator),
        Page(
            "concern_page",
            url("circles:concern_detail", args=[concern.circle_id, concern.pk]),
            coordinator,
        ),
        Page(
            "minutes_review",
            url("circles:note_detail", args=[to_review.circle_id, to_review.pk]),
            coordinator,
        ),
        Page("coordinator_records", url(*records), coordinator),
        Page("volunteer_pool", url("volunteers:index"), coordinator),
        Page("volunteer_page", url("volunteers:detail", args=[pool_member.pk]), coordinator),
        Page("coordinator_notifications", url("accounts:notifications"), coordinator),
        Page(
            "mappa_report",
            url("reports:meeting_report", args=[circle.core_member_id, "mappa"]),
            coordinator,
        ),
        Page("expenses_queue", url("volunteering:queue"), coordinator),
        # Safeguarding cover and the on-call rota.
        Page("cover_list", url("circles:cover_list"), coordinator),
        Page("on_call_rota", url("circles:shift_list"), coordinator),
        Page("coordinator_calendar", url("calendars:mine"), coordinator),
        # The feed is read by token, not by login: a fresh one for the coordinator.
        Page("calendar_feed", url("calendars:feed", args=[_feed_token(coordinator)]), coordinator),
        # Volunteer: start page, their circle, the minutes form, their own minutes,
        # their profile, notifications.
        Page("volunteer_start", url("circles:mine"), volunteer),
        Page("volunteer_circle", url("circles:detail", args=[meeting.circle_id]), volunteer),
        Page(
            "minutes_form",
            url("circles:note_write", args=[meeting.circle_id, meeting.pk]),
            volunteer,
        ),
        Page(
            "my_minutes",
            url("circles:note_detail", args=[meeting.circle_id, meeting.pk]),
            volunteer,
        ),
        Page(
            "volunteer_profile",
            url("volunteers:detail", args=[volunteer.volunteer.pk]),
            volunteer,
        ),
        Page("volunteer_notifications", url("accounts:notifications"), volunteer),
        Page("lone_working_check_in", url("loneworking:check_in"), volunteer),
        Page("volunteer_hours", url("volunteers:hours", args=[volunteer.volunteer.pk]), volunteer),
        # Liaison: the inbox of shared records, one record, an assigned Core Member.
        Page("liaison_inbox", url(*records), liaison),
        Page("liaison_record", url(*record_detail, args=[received.record_id]), liaison),
        Page(
            "liaison_core_member",
            url("core_members:detail", args=[assigned.core_member_id]),
            liaison,
        ),
        Page(
            "liaison_chronology",
            url("chronology:chronology", args=[assigned.core_member_id]),
            liaison,
        ),
        Page("liaison_my_core_members", url("sharing:my_core_members"), liaison),
        # Manager: the reports overview, notifications, the audit trail.
        Page("manager_reports", url("reports:index"), manager),
        # The whole service: the urgent lists live, the rest from the service summary.
        Page("manager_dashboard", url("circles:dashboard"), manager),
        Page("manager_notifications", url("accounts:notifications"), manager),
        Page("manager_mileage_rate", url("volunteering:mileage_rate"), manager),
        # The audit trail's reads: the access log alone, as the data protection lead
        # asks "who read what" most.
        Page("manager_audit_reads", url("privacy:audit") + "?what=read", manager),
        # The search box with a typo'd surname: one of the coordinator's Core Members'
        # with a letter left out ("Lowther" as "Lowthr").
        Page("coordinator_search", url("search:index") + f"?q={typo}", coordinator),
        Page("manager_search", url("search:index") + f"?q={typo}", manager),
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


# Password hashing -------------------------------------------------------------------------


def hash_candidates():
    """(label, time_cost, memory_cost KiB, parallelism): production first, then what it
    was chosen against."""
    production = get_hasher("default")
    candidates = [
        (
            "production",
            getattr(production, "time_cost", None),
            getattr(production, "memory_cost", None),
            getattr(production, "parallelism", None),
        ),
        (
            "django default",
            Argon2PasswordHasher.time_cost,
            Argon2PasswordHasher.memory_cost,
            Argon2PasswordHasher.parallelism,
        ),
        ("owasp 19 MiB t=2", 2, 19 * 1024, 1),
        ("38 MiB t=2", 2, 38 * 1024, 1),
        ("64 MiB t=3", 3, 64 * 1024, 1),
    ]
    seen, unique = set(), []
    for label, *params in candidates:
        if None in params or tuple(params) in seen:
            continue
        seen.add(tuple(params))
        unique.append((label, *params))
    return unique


def hash_cost(time_cost, memory_cost, parallelism, repeats=5):
    """Median wall and CPU milliseconds of one Argon2id verify at these parameters."""
    import argon2

    hasher = argon2.PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        type=argon2.Type.ID,
    )
    encoded = hasher.hash(BENCH_PASSWORD)
    wall, cpu = [], []
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        hasher.verify(encoded, BENCH_PASSWORD)
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def burst_estimate_s(cpu_ms, users=50, cores=None):
    """Seconds of hashing alone for ``users`` logins at once, spread over every core."""
    cores = cores or os.cpu_count() or 1
    return users * cpu_ms / 1000 / cores


def report_hash_costs(write, users=50, repeats=5):
    cores = os.cpu_count() or 1
    write(f"password hashing (Argon2id verify, median of {repeats}; {cores} cores):")
    write(
        f"  {'parameters':<18}{'t':>3}{'m KiB':>8}{'p':>3}{'wall ms':>9}{'cpu ms':>8}"
        f"{f'{users} logins s':>15}"
    )
    for label, time_cost, memory_cost, parallelism in hash_candidates():
        wall, cpu = hash_cost(time_cost, memory_cost, parallelism, repeats)
        write(
            f"  {label:<18}{time_cost:>3}{memory_cost:>8}{parallelism:>3}{wall:>9.1f}"
            f"{cpu:>8.1f}{burst_estimate_s(cpu, users, cores):>15.1f}"
        )


# gunicorn -----------------------------------------------------------------------------------


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
    # The bench reads one calendar feed far faster than any calendar app would.
    env.setdefault("COSA_CALENDAR_FEED_PER_MINUTE", "1000000")
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
        # Room in the accept queue for a whole login burst.
        "--backlog",
        "256",
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


def _request(port, method, path, cookie="", body=None, extra=None):
    """One request on a fresh connection; (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Host": "127.0.0.1",
        "X-Forwarded-Proto": "https",
        "Connection": "close",
        **(extra or {}),
    }
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        return response.status, response.getheaders(), content
    finally:
        conn.close()


def _get(port, path, cookie):
    return _request(port, "GET", path, cookie)[0]


def _timed_get(port, path, cookie):
    began = time.perf_counter()
    try:
        status = _get(port, path, cookie)
    except (OSError, http.client.HTTPException):
        status = 599
    return status, time.perf_counter() - began


# Phase 1: service time ----------------------------------------------------------------------


def measure_service(pages, port, *, requests, warmup):
    """Each page alone: ``warmup`` untimed requests, then ``requests`` timed, one at a time."""
    for page in pages:
        cookie = f"{settings.SESSION_COOKIE_NAME}={make_session(page.user)}"
        for _ in range(warmup):
            _timed_get(port, page.path, cookie)
        for _ in range(requests):
            status, elapsed = _timed_get(port, page.path, cookie)
            page.service.append(elapsed)
            page.count(status)


# Phase 2: concurrent clients ----------------------------------------------------------------


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
                status, elapsed = _timed_get(port, page.path, cookies[page.user.pk])
                if now < measure_from:
                    continue
                with lock:
                    page.latencies.append(elapsed)
                    page.count(status)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + warmup + 120)
    return seconds


# Phase 3: a burst of real logins ------------------------------------------------------------


def login_users(count, exclude=()):
    """Active users of the generated data, volunteers first (the most numerous), that no
    benched page uses: their password changes for the burst, which ends those sessions."""
    users = User.objects.filter(is_active=True).exclude(pk__in=[u.pk for u in exclude])
    return list(users.order_by("-role", "pk")[:count]) if count else []


def set_bench_password(users):
    """One Argon2 hash of BENCH_PASSWORD for every burst user; returns their old hashes.

    Sharing one hash saves no work: every login verifies it in full (Argon2 has no cache)
    and, at the production parameters, is not re-hashed. Checked here before the burst.
    """
    hasher = get_hasher("default")
    encoded = hasher.encode(BENCH_PASSWORD, hasher.salt())
    if not check_password(BENCH_PASSWORD, encoded) or hasher.must_update(encoded):
        raise RuntimeError("The bench password's hash does not verify as production's.")
    old = {user.pk: user.password for user in users}
    User.objects.filter(pk__in=old).update(password=encoded)
    return old


def restore_passwords(old):
    for pk, password in old.items():
        User.objects.filter(pk=pk).update(password=password)


_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _cookie_header(headers):
    cookies = []
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookies.append(value.split(";", 1)[0])
    return "; ".join(cookies)


def login_form(port, login_path):
    """A fresh visitor's CSRF cookie and form token from GET /login/."""
    status, headers, body = _request(port, "GET", login_path)
    match = _CSRF_INPUT.search(body)
    if status != 200 or match is None:
        raise RuntimeError(f"GET {login_path} answered {status} without a CSRF token.")
    return _cookie_header(headers), match.group(1).decode()


def password_step_passed(status, location, login_path):
    """Whether POST /login/ accepted the password: a redirect onwards (the second-factor
    page or the start page), not back to the login form nor a lockout (429)."""
    return status == 302 and bool(location) and urlsplit(location).path != login_path


def login_burst(users, port, *, clients):
    """Every user posts BENCH_PASSWORD to /login/, ``clients`` at a time, all at once."""
    login_path = reverse("accounts:login")
    forms = [login_form(port, login_path) for _ in users]
    burst = LoginBurst(users=len(users), clients=clients)
    lock = threading.Lock()
    queue = list(zip(users, forms, strict=True))
    barrier = threading.Barrier(clients + 1)

    def worker():
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                user, (cookie, token) = queue.pop()
            body = urlencode(
                {"csrfmiddlewaretoken": token, "username": user.email, "password": BENCH_PASSWORD}
            )
            began = time.perf_counter()
            try:
                status, headers, _ = _request(
                    port,
                    "POST",
                    login_path,
                    cookie,
                    body,
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Origin": "https://127.0.0.1",
                        "Referer": f"https://127.0.0.1{login_path}",
                    },
                )
                location = {k.lower(): v for k, v in headers}.get("location", "")
            except (OSError, http.client.HTTPException):
                status, location = 599, ""
            elapsed = time.perf_counter() - began
            with lock:
                burst.latencies.append(elapsed)
                burst.statuses[status] = burst.statuses.get(status, 0) + 1
                if not password_step_passed(status, location, login_path):
                    burst.errors += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    burst.seconds = time.perf_counter() - began
    return burst


# Reporting ----------------------------------------------------------------------------------


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def ratio(value, floor):
    """``value`` as a multiple of ``floor``; NaN when either is missing or the floor is 0."""
    if not floor or math.isnan(floor) or math.isnan(value):
        return float("nan")
    return value / floor


@dataclasses.dataclass
class Summary:
    pages: int
    worst_service_page: str
    worst_service_ms: float
    floor_service_ms: float
    worst_service_ratio: float
    worst_page: str
    worst_p95_ms: float
    floor_p95_ms: float
    worst_ratio: float
    errors: int
    logins_per_s: float

    def line(self):
        return "bench: " + " ".join(
            f"{name}={_format(getattr(self, name))}" for name in SUMMARY_FIELDS
        )


def _format(value):
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _worst(pages, measure):
    """The page with the highest ``measure`` (NaN counts as lowest), ties to the first."""
    scored = [(page, measure(page)) for page in pages]
    scored = [(page, value) for page, value in scored if not math.isnan(value)]
    if not scored:
        return pages[0], float("nan")
    return max(scored, key=lambda pair: pair[1])


def summarise(pages, burst=None):
    """The figures of the last line: the worst page of each phase beside the floor.

    Service: the highest median of one-at-a-time requests, as a multiple of the floor's
    median. Concurrent: the highest p95, as a multiple of the floor's p95. Errors: every
    non-200 page answer in both phases and every login whose password step failed.
    """
    floor = next(page for page in pages if page.name == FLOOR)
    benched = [page for page in pages if page is not floor]
    floor_service = percentile(floor.service, 0.5) * 1000
    floor_p95 = percentile(floor.latencies, 0.95) * 1000
    service_page, service_ms = _worst(benched, lambda p: percentile(p.service, 0.5) * 1000)
    p95_page, p95_ms = _worst(benched, lambda p: percentile(p.latencies, 0.95) * 1000)
    errors = sum(page.errors for page in pages) + (burst.errors if burst else 0)
    return Summary(
        pages=len(benched),
        worst_service_page=service_page.name,
        worst_service_ms=service_ms,
        floor_service_ms=floor_service,
        worst_service_ratio=ratio(service_ms, floor_service),
        worst_page=p95_page.name,
        worst_p95_ms=p95_ms,
        floor_p95_ms=floor_p95,
        worst_ratio=ratio(p95_ms, floor_p95),
        errors=errors,
        logins_per_s=burst.logins_per_s if burst else float("nan"),
    )


def parse_summary(line):
    """The last line's fields as a dict of numbers and names (for scripts and tests)."""
    if not line.startswith("bench: "):
        raise ValueError(f"Not a bench summary line: {line!r}")
    fields = dict(item.split("=", 1) for item in line[len("bench: ") :].split())
    if tuple(fields) != SUMMARY_FIELDS:
        raise ValueError(f"Unexpected fields: {tuple(fields)}")
    parsed = {}
    for name, value in fields.items():
        if name.endswith("_page"):
            parsed[name] = value
        elif name in ("pages", "errors"):
            parsed[name] = int(value)
        else:
            parsed[name] = float(value)
    return parsed


def report(pages, seconds, write, burst=None):
    """The per-page table of both phases, the login burst, and the summary line last."""
    floor = next(page for page in pages if page.name == FLOOR)
    floor_service = percentile(floor.service, 0.5) * 1000
    floor_p95 = percentile(floor.latencies, 0.95) * 1000
    write(f"{'':<26}{'service (one client)':^26}|{'concurrent':^35}|")
    write(
        f"{'page':<26}{'p50 ms':>8}{'p95 ms':>9}{'x floor':>9}|{'p50 ms':>8}{'p95 ms':>9}"
        f"{'x floor':>9}{'req/s':>8} |{'queries':>8}{'errors':>7}{'requests':>9}"
    )
    for page in pages:
        s50 = percentile(page.service, 0.5) * 1000
        s95 = percentile(page.service, 0.95) * 1000
        p50 = percentile(page.latencies, 0.5) * 1000
        p95 = percentile(page.latencies, 0.95) * 1000
        write(
            f"{page.name:<26}{s50:>8.1f}{s95:>9.1f}{ratio(s50, floor_service):>9.1f}|"
            f"{p50:>8.1f}{p95:>9.1f}{ratio(p95, floor_p95):>9.1f}"
            f"{len(page.latencies) / seconds:>8.1f} |{page.queries:>8}{page.errors:>7}"
            f"{len(page.service) + len(page.latencies):>9}"
        )
        if page.errors:
            write(f"  {page.name} statuses: {page.statuses}")
    if burst is not None:
        write(
            f"logins: {burst.users} users, {burst.clients} at once: burst {burst.seconds:.1f} s, "
            f"{burst.logins_per_s:.1f} logins/s, p50 {percentile(burst.latencies, 0.5):.2f} s, "
            f"p95 {percentile(burst.latencies, 0.95):.2f} s, errors {burst.errors}, "
            f"statuses {burst.statuses}"
        )
    summary = summarise(pages, burst)
    write(summary.line())
    return summary


def _load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run(
    *,
    clients=4,
    seconds=60,
    warmup=5,
    workers=3,
    requests=20,
    logins=50,
    login_clients=None,
    write=print,
    base_dir=None,
):
    if connection.vendor != "postgresql":
        raise RuntimeError("The bench runs on PostgreSQL: set DATABASE_URL.")
    base_dir = base_dir or settings.BASE_DIR
    write(f"load average before: {_load()} (1, 5, 15 min); {os.cpu_count()} cores")
    pages = pick_pages()
    count_queries(pages)
    report_hash_costs(write, users=logins or 50)
    burst_users = login_users(logins, exclude=[page.user for page in pages])
    old_passwords = set_bench_password(burst_users)
    port = _free_port()
    # Close this process's connection: gunicorn's workers open their own.
    connection.close()
    burst = None
    try:
        process = start_gunicorn(port, workers, base_dir)
        try:
            write(
                f"gunicorn: {workers} sync workers on 127.0.0.1:{port}; service time: "
                f"{requests} requests per page after {max(3, 2 * workers)} warm-up, one client; "
                f"concurrent: {clients} clients for {seconds} s after {warmup} s warm-up; "
                f"logins: {len(burst_users)} at once"
            )
            for page in pages:
                write(f"  {page.name:<26} {page.path}  ({page.user.get_role_display().lower()})")
            measure_service(pages, port, requests=requests, warmup=max(3, 2 * workers))
            write(f"load after the service phase: {_load()}")
            drive(pages, port, clients=clients, seconds=seconds, warmup=warmup)
            write(f"load after the concurrent phase: {_load()}")
            if burst_users:
                burst = login_burst(
                    burst_users, port, clients=min(login_clients or len(burst_users), 64)
                )
            write(f"load average after: {_load()}")
        finally:
            stop_gunicorn(process)
    finally:
        restore_passwords(old_passwords)
    if statistics.mean(len(page.latencies) for page in pages) == 0:
        raise RuntimeError("No request completed.")
    return report(pages, seconds, write, burst)
