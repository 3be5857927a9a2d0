"""``make run``'s log stays readable: no broker warning per task, no e-mails in it."""

import logging
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from kombu import Connection

from cosa import settings as production
from cosa.env import parse_email_url


def test_the_default_broker_names_a_host_so_kombu_does_not_warn_on_each_connection(caplog):
    assert production.CELERY_BROKER_URL.startswith("filesystem://")
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        Connection(production.CELERY_BROKER_URL)._info()

    assert "No hostname was supplied" not in caplog.text


def test_file_email_url_writes_to_the_given_folder_or_the_default():
    assert parse_email_url("X", "file:///srv/mail")["EMAIL_FILE_PATH"] == "/srv/mail"
    assert parse_email_url("X", "file://")["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert parse_email_url("X", "file://")["EMAIL_FILE_PATH"] is None


MAIL_PROBE = """
import django
django.setup()
from django.conf import settings
print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)
"""


def test_in_debug_e_mails_go_to_files_under_var_not_to_the_log(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "cosa.settings"}
    env.update(DJANGO_DEBUG="true", COSA_VAR_DIR=str(tmp_path))
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", MAIL_PROBE],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    backend, folder = result.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert folder == str(tmp_path / "mail")
