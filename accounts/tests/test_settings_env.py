"""Settings come from the environment and fail loudly, naming the variable (cosa/env.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cosa.env import env_bool, env_int, env_list, env_str, parse_email_url

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_SECRET = "a-test-only-secret-key-that-is-long-enough-0123456789"


# env_str --------------------------------------------------------------------------------


def test_env_str_refuses_a_missing_required_variable():
    with pytest.raises(ImproperlyConfigured, match="COSA_REQUIRED_THING"):
        env_str("COSA_REQUIRED_THING", required=True, environ={})


def test_env_str_treats_an_empty_required_variable_as_missing():
    with pytest.raises(ImproperlyConfigured, match="COSA_REQUIRED_THING"):
        env_str("COSA_REQUIRED_THING", required=True, environ={"COSA_REQUIRED_THING": ""})


def test_env_str_returns_the_value_or_the_default():
    assert env_str("NAME", "fallback", environ={"NAME": "value"}) == "value"
    assert env_str("NAME", "fallback", environ={}) == "fallback"


# env_bool -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["maybe", "tru", "2", "yes please"])
def test_env_bool_refuses_a_value_that_is_not_a_boolean(value):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG") as caught:
        env_bool("DJANGO_DEBUG", environ={"DJANGO_DEBUG": value})
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True)]
    + [("0", False), ("False", False), ("no", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(value, expected):
    assert env_bool("FLAG", environ={"FLAG": value}) is expected


def test_env_bool_uses_the_default_when_unset():
    assert env_bool("FLAG", True, environ={}) is True
    assert env_bool("FLAG", False, environ={}) is False


# env_int --------------------------------------------------------------------------------


def test_env_int_refuses_a_value_that_is_not_a_number():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_CONN_MAX_AGE='abc'"):
        env_int("DJANGO_CONN_MAX_AGE", 60, environ={"DJANGO_CONN_MAX_AGE": "abc"})


def test_env_int_refuses_a_value_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SESSION_IDLE_SECONDS.*at least 60"):
        env_int(
            "DJANGO_SESSION_IDLE_SECONDS",
            900,
            minimum=60,
            environ={"DJANGO_SESSION_IDLE_SECONDS": "59"},
        )


def test_env_int_accepts_the_minimum_and_uses_the_default_when_unset():
    assert env_int("N", 5, minimum=0, environ={"N": "0"}) == 0
    assert env_int("N", 5, minimum=0, environ={}) == 5


# env_list -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [",,", " , ", ","])
def test_env_list_refuses_a_list_of_nothing(value):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ALLOWED_HOSTS"):
        env_list("DJANGO_ALLOWED_HOSTS", environ={"DJANGO_ALLOWED_HOSTS": value})


def test_env_list_splits_and_trims():
    environ = {"HOSTS": " cosa.example.org, ,localhost "}
    assert env_list("HOSTS", environ=environ) == ["cosa.example.org", "localhost"]
    assert env_list("HOSTS", ["default"], environ={}) == ["default"]


# parse_email_url -------------------------------------------------------------------------


def test_parse_email_url_refuses_an_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_EMAIL_URL.*'ftp'"):
        parse_email_url("DJANGO_EMAIL_URL", "ftp://x")


def test_parse_email_url_refuses_a_tls_flag_that_is_not_a_boolean():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_EMAIL_URL"):
        parse_email_url("DJANGO_EMAIL_URL", "smtp://mail.example.org:587?tls=maybe")


def test_parse_email_url_refuses_a_bad_port():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_EMAIL_URL has an invalid port"):
        parse_email_url("DJANGO_EMAIL_URL", "smtp://mail.example.org:99999")


def test_parse_email_url_reads_smtp_with_port_credentials_and_tls():
    settings = parse_email_url(
        "DJANGO_EMAIL_URL", "smtp://cosa%40example.org:p%40ss@mail.example.org:587?tls=true"
    )
    assert settings == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "cosa@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_parse_email_url_defaults_port_and_tls_by_scheme():
    smtp = parse_email_url("DJANGO_EMAIL_URL", "smtp://localhost")
    assert (smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"]) == (25, False)
    submission = parse_email_url("DJANGO_EMAIL_URL", "submission://mail.example.org")
    assert (submission["EMAIL_PORT"], submission["EMAIL_USE_TLS"]) == (587, True)
    locmem = parse_email_url("DJANGO_EMAIL_URL", "locmem://")
    assert locmem["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"


# Start-up of the real settings module, in a clean process ----------------------------------

SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cosa.settings'; django.setup()"


def start_django(**variables):
    """Import cosa.settings in a fresh interpreter with only ``variables`` set."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(BASE_DIR),
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-c", SETUP],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_start_up_fails_without_a_secret_key_when_debug_is_unset():
    result = start_django()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_start_up_fails_on_a_debug_value_that_is_not_a_boolean():
    result = start_django(DJANGO_DEBUG="banana", DJANGO_SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "DJANGO_DEBUG='banana'" in result.stderr


def test_start_up_fails_on_a_short_secret_key():
    result = start_django(DJANGO_SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be at least 32 characters" in result.stderr


def test_start_up_succeeds_with_a_long_secret_key():
    # The control for the three failures above: the same command does start.
    result = start_django(DJANGO_SECRET_KEY=GOOD_SECRET)
    assert result.returncode == 0, result.stderr


def test_start_up_in_debug_needs_no_secret_key():
    result = start_django(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
