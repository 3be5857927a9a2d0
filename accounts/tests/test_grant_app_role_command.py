"""``grant_app_role`` on a database without roles: a clear refusal, and migrate unaffected.

Runs on every database: on PostgreSQL the connection is made to say it is SQLite, so
CI checks the refusal too (the real grants are in test_access_log_roles.py).
"""

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_without_roles(monkeypatch):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")


def test_it_refuses_a_database_without_roles(database_without_roles):
    with pytest.raises(CommandError, match="PostgreSQL feature"):
        call_command("grant_app_role", "cosa_app")


def test_migrate_with_an_app_role_set_does_nothing_more_here(database_without_roles, settings):
    settings.DATABASE_APP_ROLE = "cosa_app"
    call_command("migrate", verbosity=0)
