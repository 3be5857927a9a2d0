"""With the production defaults (no COSA_DEVTOOLS) the development tools do not exist.

Each check runs in a fresh process, since the settings decide the installed apps
once at start-up; the same check with COSA_DEVTOOLS=true shows it can fail.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DEMO_COMMANDS = ["seed_demo", "demo_logins", "generate_scale", "bench"]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COSA_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="cosa.settings",
        DJANGO_SECRET_KEY="production-defaults-test-key-0123456789abcdef",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        COSA_VAR_DIR=str(tmp_path),
        **extra,
    )
    return env


def _run(args, env):
    return subprocess.run(  # noqa: S603 - our own manage.py / interpreter
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", DEMO_COMMANDS)
def test_production_has_no_demo_command(tmp_path, command):
    result = _run(["manage.py", command], _env(tmp_path))

    assert result.returncode == 1
    assert f"Unknown command: '{command}'" in result.stderr


FLOOR_PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
print("devtools" in settings.INSTALLED_APPS, Client().get("/floor/").status_code)
"""


def test_production_has_no_floor_page(tmp_path):
    result = _run(["-c", FLOOR_PROBE], _env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "404"]


def test_the_development_tools_are_there_when_asked_for(tmp_path):
    env = _env(tmp_path, COSA_DEVTOOLS="true")
    result = _run(["-c", FLOOR_PROBE], env)
    assert result.returncode == 0, result.stderr
    # Installed, and /floor/ exists (an anonymous visitor is sent to the login page).
    assert result.stdout.split() == ["True", "302"]

    result = _run(["manage.py", "seed_demo", "--help"], env)
    assert result.returncode == 0, result.stderr
    assert "--i-know-this-is-not-production" in result.stdout


def test_a_bad_value_stops_start_up(tmp_path):
    result = _run(["manage.py", "check"], _env(tmp_path, COSA_DEVTOOLS="maybe"))

    assert result.returncode == 1
    assert "COSA_DEVTOOLS='maybe' is not a boolean" in result.stderr
