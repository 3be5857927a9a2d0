"""``grant_app_role`` away from PostgreSQL: a clear refusal, and migrate is unaffected."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor == "postgresql", reason="test_access_log_roles.py"),
]


def test_it_refuses_a_database_without_roles():
    with pytest.raises(CommandError, match="PostgreSQL feature"):
        call_command("grant_app_role", "cosa_app")


def test_migrate_with_an_app_role_set_does_nothing_more_here(settings):
    settings.DATABASE_APP_ROLE = "cosa_app"
    call_command("migrate", verbosity=0)
