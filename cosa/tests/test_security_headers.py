"""Security headers on every response, and Django's deployment check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.tests.factories import CoordinatorFactory

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/circles/"])
def test_every_page_sends_the_security_headers(client, path):
    if path != "/login/":
        client.force_login(CoordinatorFactory())
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store, max-age=0"
    assert response["Pragma"] == "no-cache"
    assert response["X-XSS-Protection"] == "0"


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=False)
def test_hsts_is_sent_over_https(client):
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/circles/"])
def test_pages_have_no_inline_script_or_style(client, path):
    if path != "/login/":
        client.force_login(CoordinatorFactory())
    html = client.get(path).content.decode()
    assert "<script>" not in html
    assert " style=" not in html
    assert " onclick=" not in html
    assert "<style" not in html


def test_the_deployment_check_passes_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "COSA_")) or key == "DJANGO_EMAIL_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cosa.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="cosa.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
