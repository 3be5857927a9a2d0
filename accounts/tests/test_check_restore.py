"""``manage.py check_restore`` tells a good restored copy from a broken one."""

import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import AccessLog, User
from accounts.tests.factories import CoordinatorFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the access-log triggers are PostgreSQL's"
)


def check_restore(*args):
    out = StringIO()
    call_command("check_restore", *args, stdout=out)
    return out.getvalue()


# Broken copies first.


def test_a_copy_missing_a_migration_fails_naming_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'accounts' AND name = %s",
            ["0007_access_log_refuse_truncate"],
        )
    with pytest.raises(CommandError, match="accounts.0007_access_log_refuse_truncate"):
        check_restore()


def test_a_copy_missing_a_history_table_fails_naming_it(monkeypatch):
    real = connection.introspection.table_names

    def without_history(*args, **kwargs):
        return [name for name in real(*args, **kwargs) if name != "circles_historicalcircle"]

    monkeypatch.setattr(connection.introspection, "table_names", without_history)
    with pytest.raises(CommandError, match="circles_historicalcircle"):
        check_restore()


@on_postgresql
def test_a_copy_whose_access_log_trigger_was_lost_fails():
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("DROP TRIGGER accounts_accesslog_append_only ON accounts_accesslog")
    with pytest.raises(CommandError) as failed:
        check_restore()
    assert "accounts_accesslog_append_only is missing" in str(failed.value)
    assert "allowed UPDATE" in str(failed.value) and "allowed DELETE" in str(failed.value)


@on_postgresql
def test_a_copy_whose_truncate_trigger_is_disabled_fails():
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE accounts_accesslog DISABLE TRIGGER accounts_accesslog_no_truncate"
        )
    with pytest.raises(CommandError, match="no_truncate is disabled"):
        check_restore()


# A good copy.


def test_a_good_copy_passes_with_row_counts_per_table():
    CoordinatorFactory.create_batch(2)
    AccessLog.objects.create(action=AccessLog.Action.VIEW, detail="restored row")
    logged = AccessLog.objects.count()

    out = check_restore()

    assert "ok: migrations: all applied" in out
    assert f"rows: accounts_user {User.objects.count()}\n" in out
    assert f"rows: accounts_accesslog {logged}\n" in out
    assert "rows: circles_historicalcircle 0\n" in out
    assert "ok: history tables: all" in out
    assert out.rstrip().splitlines()[-1].startswith("check_restore: ok (")
    if connection.vendor == "postgresql":
        assert "ok: access log refuses UPDATE (accounts_accesslog is append-only)" in out
        assert "ok: access log refuses DELETE (accounts_accesslog is append-only)" in out
    else:
        assert "skip: access-log triggers: sqlite has none (PostgreSQL only)" in out
    # Nothing was changed: the probe row and the attempts were rolled back.
    assert AccessLog.objects.count() == logged
    assert AccessLog.objects.filter(detail="restored row").exists()


@on_postgresql
def test_truncate_is_refused_to_the_application_role_even_with_a_grant():
    role = os.environ.get("COSA_TEST_APP_ROLE")
    if not role:
        pytest.skip("needs COSA_TEST_APP_ROLE, a role the test user may SET ROLE to (.ci/run)")
    out = check_restore("--app-role", role)
    assert f'ok: access log refuses TRUNCATE as "{role}"' in out
    assert "even with a TRUNCATE grant" in out and "only its owner may truncate it" in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'accounts_accesslog', 'TRUNCATE')", [role])
        assert cursor.fetchone()[0] is False  # the grant tried was rolled back
