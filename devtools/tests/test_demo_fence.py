"""The demo commands refuse to run with DJANGO_DEBUG=false unless told it is not production."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from devtools import demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["seed_demo", "demo_logins"])
def test_it_refuses_without_debug_and_without_the_flag(settings, command):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG is false"):
        call_command(command, stdout=StringIO())

    assert not User.objects.exists()


def test_seed_demo_runs_with_debug(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(demo, "seed_demo", lambda: None)
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "Demo data already present" in out.getvalue()


def test_seed_demo_runs_without_debug_when_told_it_is_not_production(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setattr(demo, "seed_demo", lambda: None)
    out = StringIO()

    call_command("seed_demo", "--i-know-this-is-not-production", stdout=out)

    assert "Demo data already present" in out.getvalue()


@pytest.mark.parametrize("flags", [[], ["--i-know-this-is-not-production"]])
def test_demo_logins_passes_the_fence_with_debug_or_the_flag(settings, flags):
    settings.DEBUG = not flags
    # Past the fence: it then looks for demo accounts, and there are none.
    with pytest.raises(CommandError, match="No demo accounts found"):
        call_command("demo_logins", *flags, stdout=StringIO())
