"""``make run``'s log stays readable: no broker warning per task, no e-mails in it."""

import logging
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from kombu import Connection

from cosa.env import parse_email_url


def make_run_settings(tmp_path, *names):
    """The named settings as make run gets them: a fresh process with DJANGO_DEBUG=true
    and nothing else from this environment (CI sets REDIS_URL, for one)."""
    probe = "import django; django.setup(); from django.conf import settings; "
    probe += "print(" + ", ".join(f"settings.{name}" for name in names) + ")"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "cosa.settings"}
    env.update(DJANGO_DEBUG="true", COSA_VAR_DIR=str(tmp_path))
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_default_broker_names_a_host_so_kombu_does_not_warn_on_each_connection(
    caplog, tmp_path
):
    [broker_url] = make_run_settings(tmp_path, "CELERY_BROKER_URL")
    assert broker_url.startswith("filesystem://")
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        Connection(broker_url)._info()

    assert "No hostname was supplied" not in caplog.text


def test_file_email_url_writes_to_the_given_folder_or_the_default():
    assert parse_email_url("X", "file:///srv/mail")["EMAIL_FILE_PATH"] == "/srv/mail"
    assert parse_email_url("X", "file://")["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert parse_email_url("X", "file://")["EMAIL_FILE_PATH"] is None


def test_in_debug_e_mails_go_to_files_under_var_not_to_the_log(tmp_path):
    backend, folder = make_run_settings(tmp_path, "EMAIL_BACKEND", "EMAIL_FILE_PATH")

    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert folder == str(tmp_path / "mail")
