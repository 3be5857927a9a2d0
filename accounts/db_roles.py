"""The application's database role: it uses the tables, it does not own them (PostgreSQL).

Migrations run as the role that owns the tables; the web, worker and beat
processes connect as another role (README "Database roles"). ``app_role_grant``
gives that role what the application needs and nothing more:

- SELECT, INSERT, UPDATE, DELETE on every table of the schema,
- only SELECT, INSERT on the access log (its triggers refuse UPDATE, DELETE and
  TRUNCATE too, whoever asks: a second fence),
- only SELECT on django_migrations (the application never migrates),
- USAGE, SELECT on the sequences (ids), USAGE on the schema,
- no TRUNCATE, REFERENCES or TRIGGER anywhere, and it owns nothing.

Every grant is first revoked and given again, so running it twice, or after a
migration that added a table, leaves exactly this. ``manage.py grant_app_role``
runs it; with DATABASE_APP_ROLE set, every ``migrate`` runs it at the end
(``grant_after_migrate``, connected in accounts.apps).
"""

from django.conf import settings
from django.db import connections

READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY = "SELECT, INSERT"
READ_ONLY = "SELECT"


class RoleError(Exception):
    """The role cannot be the application's role (missing, or with owner's powers)."""


def table_privileges(table, *, access_log_table, migrations_table="django_migrations"):
    if table == access_log_table:
        return APPEND_ONLY
    if table == migrations_table:
        return READ_ONLY
    return READ_WRITE


def _check_role(cursor, role):
    cursor.execute(
        "SELECT rolsuper, rolbypassrls, pg_has_role(%s, current_user, 'MEMBER')"
        " FROM pg_roles WHERE rolname = %s",
        [role, role],
    )
    row = cursor.fetchone()
    if row is None:
        raise RoleError(f"There is no database role {role!r}: create it first (README).")
    is_superuser, bypasses_rls, is_owner = row
    if is_superuser or bypasses_rls:
        raise RoleError(f"{role!r} is a superuser (or bypasses row security): not an app role.")
    if is_owner:
        raise RoleError(
            f"{role!r} is the role that runs the migrations (or a member of it), so it owns the"
            " tables: the application must connect as a role that does not."
        )


def app_role_grant(role, *, using="default"):
    """Grant ``role`` the application's privileges on database ``using``; returns a summary.

    Run by the owner of the tables (the role that runs the migrations).
    """
    from accounts.models import AccessLog

    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError("Database roles are a PostgreSQL feature; this database is not one.")
    quote = connection.ops.quote_name
    access_log_table = AccessLog._meta.db_table
    granted = {}
    with connection.cursor() as cursor:
        _check_role(cursor, role)
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'S')"
            " AND pg_has_role(current_user, c.relowner, 'MEMBER') ORDER BY c.relname",
            [schema],
        )
        relations = cursor.fetchall()
        grantee = quote(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}")
        for name, kind in relations:
            if kind == "S":
                cursor.execute(f"REVOKE ALL ON SEQUENCE {quote(name)} FROM {grantee}")
                cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE {quote(name)} TO {grantee}")
                granted[name] = "USAGE, SELECT"
                continue
            privileges = table_privileges(name, access_log_table=access_log_table)
            cursor.execute(f"REVOKE ALL ON TABLE {quote(name)} FROM {grantee}")
            cursor.execute(f"GRANT {privileges} ON TABLE {quote(name)} TO {grantee}")
            granted[name] = privileges
    return granted


def grant_after_migrate(sender, using="default", verbosity=1, **kwargs):
    """post_migrate: keep DATABASE_APP_ROLE's grants in step with the tables."""
    role = settings.DATABASE_APP_ROLE
    if not role or connections[using].vendor != "postgresql":
        return
    granted = app_role_grant(role, using=using)
    if verbosity:
        print(f"Granted the application role {role!r} its privileges on {len(granted)} relations.")
