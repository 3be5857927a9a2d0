"""`make bench`'s arithmetic and its last line, on made-up latencies (nothing is timed),
and its page picking on a tiny generated data set."""

import math
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import NoReverseMatch

from accounts.models import User
from devtools import bench, scale

LAST_LINE = re.compile(
    r"^bench: pages=\d+ worst_service_page=\w+ worst_service_ms=[\d.]+ "
    r"floor_service_ms=[\d.]+ worst_service_ratio=[\d.]+ worst_page=\w+ worst_p95_ms=[\d.]+ "
    r"floor_p95_ms=[\d.]+ worst_ratio=[\d.]+ errors=\d+ logins_per_s=[\d.]+$"
)


def _page(name, service_ms, concurrent_ms, queries=8):
    page = bench.Page(name, f"/{name}/", user=None, queries=queries)
    page.service = [ms / 1000 for ms in service_ms]
    page.latencies = [ms / 1000 for ms in concurrent_ms]
    return page


def _pages():
    return [
        # One-at-a-time medians: 4, 40 (10x), 12 (3x); concurrent p95s: 20, 50, 90.
        _page("floor", [4, 4, 4, 5, 3], [10, 20, 20]),
        _page("dashboard", [40, 39, 41, 40, 80], [30, 40, 50]),
        _page("pool", [12, 12, 11, 13, 12], [60, 70, 90]),
    ]


def _burst(users=50, errors=0, seconds=5.0):
    return bench.LoginBurst(
        users=users, clients=users, seconds=seconds, latencies=[1.0] * users, errors=errors
    )


def test_a_ratio_to_a_missing_or_zero_floor_is_not_a_number():
    assert math.isnan(bench.ratio(10.0, 0.0))
    assert math.isnan(bench.ratio(10.0, float("nan")))
    assert math.isnan(bench.ratio(float("nan"), 4.0))
    assert bench.ratio(40.0, 4.0) == 10.0


def test_the_service_worst_is_the_highest_median_and_its_ratio_is_to_the_floors_median():
    summary = bench.summarise(_pages(), _burst())
    # The dashboard's one slow request (80 ms) moves its p95, not its median.
    assert summary.worst_service_page == "dashboard"
    assert summary.worst_service_ms == 40.0
    assert summary.floor_service_ms == 4.0
    assert summary.worst_service_ratio == 10.0


def test_the_concurrent_worst_is_the_highest_p95_and_can_be_another_page():
    summary = bench.summarise(_pages(), _burst())
    assert summary.worst_page == "pool"
    assert summary.worst_p95_ms == 90.0
    assert summary.floor_p95_ms == 20.0
    assert summary.worst_ratio == 4.5


def test_the_floor_is_not_counted_as_a_page_and_cannot_be_the_worst():
    pages = _pages()
    pages[0].service = [1.0]  # a floor slower than every page
    pages[0].latencies = [1.0]
    summary = bench.summarise(pages, _burst())
    assert summary.pages == 2
    assert summary.worst_service_page != "floor"
    assert summary.worst_page != "floor"


def test_errors_count_every_phase_and_failed_logins():
    pages = _pages()
    pages[1].count(200)
    pages[1].count(500)
    pages[2].count(599)
    summary = bench.summarise(pages, _burst(errors=3))
    assert summary.errors == 2 + 3


def test_logins_per_second_count_only_logins_that_passed_the_password_step():
    assert _burst(users=50, errors=0, seconds=5.0).logins_per_s == 10.0
    assert _burst(users=50, errors=10, seconds=5.0).logins_per_s == 8.0
    assert math.isnan(bench.LoginBurst(users=0, clients=0).logins_per_s)


def test_the_last_line_is_exactly_the_documented_one():
    lines = []
    bench.report(_pages(), seconds=60, write=lines.append, burst=_burst())
    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert lines[-1] == (
        "bench: pages=2 worst_service_page=dashboard worst_service_ms=40.0 "
        "floor_service_ms=4.0 worst_service_ratio=10.0 worst_page=pool worst_p95_ms=90.0 "
        "floor_p95_ms=20.0 worst_ratio=4.5 errors=0 logins_per_s=10.0"
    )


def test_the_table_shows_both_phases_and_the_queries_of_every_page():
    lines = []
    bench.report(_pages(), seconds=60, write=lines.append, burst=_burst())
    assert "service" in lines[0] and "concurrent" in lines[0]
    header = lines[1].split()
    assert header.count("p50") == 2 and header.count("p95") == 2 and "queries" in header
    rows = {
        line.split()[0]: line.split()
        for line in lines[2:]
        if line.split()[0] in {"floor", "dashboard", "pool"}
    }
    assert set(rows) == {"floor", "dashboard", "pool"}
    # dashboard: service p50, p95, x floor | concurrent p50, p95, x floor, req/s | queries.
    assert rows["dashboard"][1:4] == ["40.0", "80.0", "10.0|"]
    assert any(line.startswith("logins: 50 users") for line in lines)


def test_the_last_line_parses_back_into_its_figures():
    lines = []
    bench.report(_pages(), seconds=60, write=lines.append, burst=_burst())
    parsed = bench.parse_summary(lines[-1])
    assert tuple(parsed) == bench.SUMMARY_FIELDS
    assert parsed["pages"] == 2 and parsed["errors"] == 0
    assert parsed["worst_service_page"] == "dashboard"
    assert parsed["worst_service_ratio"] == 10.0
    assert parsed["logins_per_s"] == 10.0
    with pytest.raises(ValueError):
        bench.parse_summary("bench: pages=2 worst_page=pool worst_ratio=4.5 errors=0")


def test_a_run_without_logins_says_so_with_nan():
    summary = bench.summarise(_pages(), None)
    assert summary.line().endswith("logins_per_s=nan")


@pytest.mark.parametrize(
    ("status", "location", "passed"),
    [
        (302, "/login/two-factor/", True),
        (302, "/", True),
        (302, "https://127.0.0.1/login/two-factor/?next=/", True),
        (302, "/login/?next=/", False),
        (302, "", False),
        (200, "", False),  # the form again: a wrong password
        (429, "", False),  # locked out
        (599, "", False),
    ],
)
def test_only_a_redirect_onwards_passes_the_password_step(status, location, passed):
    assert bench.password_step_passed(status, location, "/login/") is passed


def test_hashing_estimates_spread_cpu_time_over_the_cores():
    # 50 logins of 100 ms of CPU each on two cores: 2.5 s.
    assert bench.burst_estimate_s(100.0, users=50, cores=2) == 2.5


def test_hash_candidates_start_with_production_and_are_distinct():
    candidates = bench.hash_candidates()
    params = [tuple(c[1:]) for c in candidates]
    assert len(params) == len(set(params))
    assert any(c[0] == "django default" and c[1:] == (2, 102400, 8) for c in candidates)


def test_url_tries_each_name_in_turn():
    assert bench.url("sharing:nowhere", "circles:dashboard") == "/circles/dashboard/"
    assert bench.url("circles:detail", args=[7]) == "/circles/7/"
    with pytest.raises(NoReverseMatch):
        bench.url("sharing:nowhere", "circles:nowhere")


# Page picking on a tiny national picture (SQLite) -------------------------------------------

EVERYDAY = {
    User.Role.COORDINATOR: {
        "coordinator_dashboard",
        "circles_list",
        "circle_page",
        "core_member_page",
        "coordinator_chronology",
        "referral_list",
        "concern_page",
        "minutes_review",
        "coordinator_records",
        "volunteer_pool",
        "coordinator_notifications",
    },
    User.Role.VOLUNTEER: {
        "volunteer_start",
        "minutes_form",
        "my_minutes",
        "volunteer_notifications",
    },
    User.Role.LIAISON: {"liaison_inbox", "liaison_record", "liaison_chronology"},
    User.Role.MANAGER: {"manager_reports", "manager_notifications"},
}


@pytest.fixture
def tiny(db):
    scale.generate(0.0005, analyze=False)


def test_every_roles_everyday_pages_are_picked_for_a_user_of_that_role(tiny):
    pages = bench.pick_pages()
    names = [page.name for page in pages]
    assert names[0] == bench.FLOOR
    assert len(names) == len(set(names))
    for role, expected in EVERYDAY.items():
        of_role = {page.name for page in pages if page.user.role == role}
        assert expected <= of_role, (role, expected - of_role)


def test_every_picked_page_answers_its_user(tiny, client):
    for page in bench.pick_pages():
        client.force_login(page.user)
        response = client.get(page.path)
        assert response.status_code == 200, (page.name, page.path, response.status_code)


def test_the_login_burst_leaves_the_benched_users_alone_and_restores_passwords(tiny):
    pages = bench.pick_pages()
    page_users = {page.user.pk for page in pages}
    users = bench.login_users(10, exclude=[page.user for page in pages])
    assert len(users) == 10
    assert not page_users & {user.pk for user in users}
    before = dict(User.objects.filter(pk__in=[u.pk for u in users]).values_list("pk", "password"))
    old = bench.set_bench_password(users)
    assert old == before
    for user in User.objects.filter(pk__in=old):
        assert check_password(bench.BENCH_PASSWORD, user.password)
    bench.restore_passwords(old)
    after = dict(User.objects.filter(pk__in=old).values_list("pk", "password"))
    assert after == before
