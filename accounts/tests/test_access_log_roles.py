"""The access log cannot be emptied or rewritten by the application's database role.

PostgreSQL only (roles, grants and triggers): skipped on SQLite. The tests run as
the owner (who creates, migrates and flushes the test database) and take on a
role that is not the owner with ``SET LOCAL ROLE``, inside the test's transaction,
so every grant they make is rolled back. The role is COSA_TEST_APP_ROLE (`.ci/run`
creates ``cosa_app`` and makes the test user a member of it) or, failing that,
one created for the test (which needs CREATEROLE).
"""

import os

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from accounts.db_roles import APPEND_ONLY, READ_ONLY, READ_WRITE, RoleError, app_role_grant
from accounts.models import AccessLog
from accounts.tests.factories import CoordinatorFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database roles and triggers: PostgreSQL only"
    ),
]

TABLE = AccessLog._meta.db_table  # "accounts_accesslog", which the SQL below names
INSERT = (
    "INSERT INTO accounts_accesslog (at, action, object_type, object_id, detail, path)"
    " VALUES (now(), 'VIEW', '', '', 'appended by the app role', '')"
)


@pytest.fixture
def app_role():
    """A role that does not own the tables and that the test user may SET ROLE to."""
    role = os.environ.get("COSA_TEST_APP_ROLE")
    with connection.cursor() as cursor:
        if not role:
            role = "cosa_test_app_role"
            try:
                with transaction.atomic():
                    cursor.execute(f"CREATE ROLE {role} NOLOGIN")
                    cursor.execute(f"GRANT {role} TO current_user")
            except DatabaseError as error:
                pytest.fail(
                    "No role to test with: set COSA_TEST_APP_ROLE to a role the test user is a"
                    f" member of (.ci/run does), or give the test user CREATEROLE ({error})"
                )
    return role


def _refusal(role, sql, params=None):
    """Run ``sql`` as ``role`` in a savepoint, then undo it; the error, or None.

    Rolling the savepoint back also undoes SET LOCAL ROLE (released, it would last
    to the end of the test's transaction).
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Check the rows the test made now: TRUNCATE refuses a table with deferred
            # checks pending, which would hide the refusal under test.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
            cursor.execute(sql, params)
            transaction.set_rollback(True)
    except DatabaseError as error:
        return str(error)
    return None


def _as(role, sql, params=None):
    """True if ``role`` may run ``sql``."""
    return _refusal(role, sql, params) is None


def _grant(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def logged(db):
    return AccessLog.objects.create(
        user=CoordinatorFactory(), action=AccessLog.Action.VIEW, detail="kept"
    )


def test_truncate_by_a_role_that_is_not_the_owner_is_refused_even_when_granted(app_role, logged):
    # TRUNCATE granted by mistake: the trigger refuses it anyway.
    _grant(f"GRANT SELECT, TRUNCATE ON {TABLE} TO {app_role}")
    assert "only its owner may truncate it" in (_refusal(app_role, f"TRUNCATE {TABLE}") or "")
    assert AccessLog.objects.filter(pk=logged.pk).exists()


def test_the_owner_may_truncate_the_access_log(logged):
    # The owner creates, migrates and flushes test databases (TransactionTestCase uses
    # TRUNCATE): the trigger lets it through, and the rollback restores the row.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
            cursor.execute(f"TRUNCATE {TABLE} CASCADE")
        assert not AccessLog.objects.exists()
        transaction.set_rollback(True)
    assert AccessLog.objects.filter(pk=logged.pk).exists()


def test_the_granted_app_role_may_only_append_to_and_read_the_access_log(app_role, logged):
    call_command("grant_app_role", app_role, verbosity=0)
    assert _as(app_role, INSERT)
    assert _as(app_role, "SELECT count(*) FROM accounts_accesslog")
    for refused in (
        "UPDATE accounts_accesslog SET detail = 'x'",
        "DELETE FROM accounts_accesslog",
        "TRUNCATE accounts_accesslog",
    ):
        assert "permission denied" in (_refusal(app_role, refused) or ""), refused
    assert AccessLog.objects.get(pk=logged.pk).detail == "kept"


def test_the_app_role_uses_the_other_tables_but_cannot_truncate_them(app_role):
    call_command("grant_app_role", app_role, verbosity=0)
    user = CoordinatorFactory(first_name="Before")
    assert _as(app_role, "UPDATE accounts_user SET first_name = 'After' WHERE id = %s", [user.pk])
    assert _as(app_role, "SELECT id FROM circles_circle")
    for refused in ("TRUNCATE circles_circle", "DELETE FROM django_migrations"):
        assert "permission denied" in (_refusal(app_role, refused) or ""), refused


def test_the_grants_are_exactly_the_documented_ones(app_role):
    granted = app_role_grant(app_role)
    assert granted[TABLE] == APPEND_ONLY
    assert granted["django_migrations"] == READ_ONLY
    assert granted["accounts_user"] == READ_WRITE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
            " WHERE grantee = %s AND table_schema = current_schema()",
            [app_role],
        )
        rows = cursor.fetchall()
    assert {p for _, p in rows} == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert {p for t, p in rows if t == TABLE} == {"SELECT", "INSERT"}


def test_the_owner_is_refused_as_the_app_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(RoleError, match="owns the tables"):
        app_role_grant(owner)
    with pytest.raises(RoleError, match="There is no database role"):
        app_role_grant("no_such_role_here")


def test_migrate_grants_database_app_role_when_it_is_set(app_role, settings):
    settings.DATABASE_APP_ROLE = app_role
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs
    assert _as(app_role, INSERT)
    assert "permission denied" in (_refusal(app_role, "DELETE FROM accounts_accesslog") or "")
