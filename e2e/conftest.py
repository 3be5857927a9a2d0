"""Real-browser tests: a live CoSA server, Debian's Chromium driven by Playwright, axe-core.

`make e2e` migrates the database named by DATABASE_URL (PostgreSQL in `.ci/run`;
SQLite under var/e2e/ when it is unset), then runs pytest with e2e/pytest.ini.
This module:

- sets Django up in the test process, seeds the fictional demo organisation and
  reads login codes (TOTP and backup codes) straight from the database;
- starts `manage.py runserver --insecure` (production settings, DEBUG off, static
  files served) on a free loopback port against the same database;
- launches /usr/bin/chromium (never a downloaded browser);
- collects every axe-core result and prints the summary line at the end.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "e2e-screenshots"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")

# The server runs the production settings module with DEBUG off; only what a
# plain-HTTP loopback server needs is relaxed. Nothing here is a real secret.
E2E_ENV = {
    "DJANGO_SETTINGS_MODULE": "cosa.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "e2e-only-secret-key-not-used-anywhere-else-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_HSTS_SECONDS": "0",
    "DJANGO_EMAIL_URL": "locmem://",
    "COSA_VAR_DIR": str(REPO / "var" / "e2e"),
}
for _name, _value in E2E_ENV.items():
    os.environ.setdefault(_name, _value)
# Playwright's sync API keeps an event loop in this thread; the ORM calls made here
# (seeding, reading login codes) are ordinary blocking calls between browser steps.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
sys.path.insert(0, str(REPO))
Path(os.environ["COSA_VAR_DIR"]).mkdir(parents=True, exist_ok=True)

import django  # noqa: E402

django.setup()

from e2e.support import axe  # noqa: E402
from e2e.support.people import Logins  # noqa: E402


def pytest_report_header(config):
    engine = django.db.connection.vendor
    return [f"cosa e2e: live server on {engine}; browser {CHROMIUM}"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the e2e server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the e2e server did not answer {url} within {timeout}s")


@pytest.fixture(scope="session")
def demo_data():
    """The fictional demo organisation (devtools.demo), seeded once; a no-op if present."""
    from devtools.demo import seed_demo

    seed_demo()
    django.db.connection.close()
    return True


def _serve(name, extra_env=None):
    """Start a live server (a generator: yields its URL, stops it afterwards)."""
    port = int(os.environ.get("E2E_PORT") or _free_port()) if not extra_env else _free_port()
    log = (Path(os.environ["COSA_VAR_DIR"]) / f"{name}.log").open("w")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(extra_env or {})
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            str(REPO / "manage.py"),
            "runserver",
            "--noreload",
            "--insecure",  # serve static files with DEBUG off, as a web server would
            f"127.0.0.1:{port}",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/login/", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def base_url(demo_data):
    yield from _serve("server")


# The shortest idle limit the settings allow, for the journeys that wait it out.
SHORT_IDLE_SECONDS = 60


@pytest.fixture(scope="session")
def short_idle_url(demo_data):
    """A second live server on the same database whose sessions end after one idle minute."""
    yield from _serve("server-short-idle", {"DJANGO_SESSION_IDLE_SECONDS": str(SHORT_IDLE_SECONDS)})


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    # en-GB: dates read and typed day first, as a UK user has them.
    args = ["--lang=en-GB"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with sync_playwright() as playwright:
        env = {**os.environ, "LANG": "en_GB.UTF-8", "LANGUAGE": "en_GB"}
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args, env=env)
        yield chromium
        chromium.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def new_page(browser, base_url):
    """``new_page(phone=False, url=None)``: a fresh browser context (no cookies) and page."""
    contexts = []

    def make(*, phone=False, url=None):
        options = {
            "base_url": url or base_url,
            "viewport": PHONE if phone else DESKTOP,
            "locale": "en-GB",
            "timezone_id": "Europe/London",
        }
        if phone:
            options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
        context = browser.new_context(accept_downloads=True, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        axe.watch_console(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def logins(demo_data):
    return Logins()


@pytest.fixture(scope="session")
def axe_results():
    return axe.RESULTS


@pytest.fixture(scope="session", autouse=True)
def _screenshots_folder():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


# Figures a journey measured (e.g. autosaves a minute), printed at the end of the run.
FIGURES = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in FIGURES:
        terminalreporter.write_line(line)
    passed = [r for r in terminalreporter.stats.get("passed", []) if r.when == "call"]
    journeys = sum(1 for r in passed if "journey" in r.keywords)
    terminalreporter.write_line("")
    for line in axe.RESULTS.report_lines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(axe.RESULTS.summary(journeys=journeys), bold=True)


def pytest_collection_modifyitems(session, config, items):
    """Journeys first, in file order (each leaves what the next needs); the crawls last."""
    items.sort(key=lambda item: "crawl_" in item.nodeid)
