"""``manage.py check_restore``: is this database a usable copy of the service's?

Run against a database restored from a backup (README "Backup and restore"), before
anyone relies on it. It checks, and prints one line for each:

- every migration is applied (nothing is missing from the dump);
- every model's table is there, with its row count (``rows <table> <n>``: compare the
  lines with the same command run on the source);
- the history tables (django-simple-history) are there;
- on PostgreSQL, the access log's triggers are present and enabled and refuse UPDATE
  and DELETE (and TRUNCATE by a role that is not the owner: ``--app-role``), tried in
  a transaction that is rolled back, so nothing is changed.

It uses only the app registry and SQL, so it imports none of the apps above
``accounts``. Exits non-zero naming what failed.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

ACCESS_LOG = "accounts_accesslog"
TRIGGERS = ("accounts_accesslog_append_only", "accounts_accesslog_no_truncate")


class Command(BaseCommand):
    help = (
        "Check a restored database: migrations, tables and row counts, history tables, "
        "the access log's triggers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--app-role",
            help="PostgreSQL: a role that does not own the tables (the application's), to "
            "show TRUNCATE of the access log refused to it. The connected user must be able "
            "to SET ROLE to it.",
        )

    def handle(self, *args, database, app_role, **options):
        self.connection = connections[database]
        self.failures = []
        self.check_migrations()
        tables, rows = self.check_tables()
        self.check_history()
        if self.connection.vendor == "postgresql":
            self.check_access_log(app_role)
        else:
            self.line(
                "skip",
                f"access-log triggers: {self.connection.vendor} has none (PostgreSQL only)",
            )
        if self.failures:
            raise CommandError("check_restore failed: " + "; ".join(self.failures))
        self.stdout.write(self.style.SUCCESS(f"check_restore: ok ({tables} tables, {rows} rows)"))

    def line(self, status, text):
        self.stdout.write(f"{status}: {text}")

    def fail(self, text):
        self.failures.append(text)
        self.stdout.write(self.style.ERROR(f"FAIL: {text}"))

    # Migrations ------------------------------------------------------------------------

    def check_migrations(self):
        executor = MigrationExecutor(self.connection)
        targets = executor.loader.graph.leaf_nodes()
        unapplied = [migration for migration, _ in executor.migration_plan(targets)]
        if unapplied:
            names = ", ".join(f"{m.app_label}.{m.name}" for m in unapplied[:10])
            self.fail(f"{len(unapplied)} migrations not applied: {names}")
        else:
            applied = len(executor.loader.applied_migrations)
            self.line("ok", f"migrations: all applied ({applied})")

    # Tables and rows -------------------------------------------------------------------

    def model_tables(self):
        tables = set()
        for model in apps.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
        return sorted(tables)

    def check_tables(self):
        present = set(self.connection.introspection.table_names())
        quote = self.connection.ops.quote_name
        total = 0
        tables = self.model_tables()
        missing = [table for table in tables if table not in present]
        if missing:
            self.fail(f"{len(missing)} tables missing: {', '.join(missing[:10])}")
        with self.connection.cursor() as cursor:
            for table in tables:
                if table not in present:
                    continue
                cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a model's table name
                count = cursor.fetchone()[0]
                total += count
                self.line("rows", f"{table} {count}")
        return len(tables), total

    def check_history(self):
        present = set(self.connection.introspection.table_names())
        # django-simple-history's models: each has a history_id primary key.
        history = sorted(
            model._meta.db_table
            for model in apps.get_models()
            if any(field.name == "history_id" for field in model._meta.fields)
        )
        missing = [table for table in history if table not in present]
        if not history:
            self.fail("no history tables are registered")
        elif missing:
            self.fail(f"history tables missing: {', '.join(missing)}")
        else:
            self.line("ok", f"history tables: all {len(history)} present")

    # The access log (PostgreSQL) -------------------------------------------------------

    def check_access_log(self, app_role):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [ACCESS_LOG],
            )
            found = dict(cursor.fetchall())
        for name in TRIGGERS:
            if name not in found:
                self.fail(f"access-log trigger {name} is missing")
            elif found[name] == "D":
                self.fail(f"access-log trigger {name} is disabled")
            else:
                self.line("ok", f"access-log trigger {name} present and enabled")

        # Everything below is rolled back: the grant, the probe row, and whatever a broken
        # trigger let through. TRUNCATE first: it refuses to run after an insert in the
        # same transaction (pending deferred-constraint events).
        with transaction.atomic(using=self.connection.alias):
            if app_role:
                role = self.connection.ops.quote_name(app_role)
                self.refused("TRUNCATE", f"TRUNCATE {ACCESS_LOG}", role=role)
                # A TRUNCATE grant given by mistake: the trigger still refuses (rolled back).
                with self.connection.cursor() as cursor:
                    cursor.execute(f"GRANT TRUNCATE ON {ACCESS_LOG} TO {role}")
                self.refused(
                    "TRUNCATE, even with a TRUNCATE grant,",
                    f"TRUNCATE {ACCESS_LOG}",
                    role=role,
                    trigger_only=True,
                )
            else:
                self.line(
                    "skip",
                    "TRUNCATE by a role that is not the owner: pass --app-role to try it "
                    "(the owner itself may truncate, by design)",
                )
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {ACCESS_LOG} (at, action, object_type, object_id, detail, path) "  # noqa: S608
                    "VALUES (now(), 'VIEW', '', '', 'check_restore probe (rolled back)', '') "
                    "RETURNING id"
                )
                probe = cursor.fetchone()[0]
            self.refused("UPDATE", f"UPDATE {ACCESS_LOG} SET detail = 'x' WHERE id = {int(probe)}")  # noqa: S608
            self.refused("DELETE", f"DELETE FROM {ACCESS_LOG} WHERE id = {int(probe)}")  # noqa: S608
            transaction.set_rollback(True, using=self.connection.alias)

    def refused(self, what, sql, role=None, trigger_only=False):
        """Run ``sql`` in a savepoint: it must fail with the access log's refusal (the
        trigger's own message when ``trigger_only``, else it or a missing privilege)."""
        who = f" as {role}" if role else ""
        try:
            with (
                transaction.atomic(using=self.connection.alias),
                self.connection.cursor() as cursor,
            ):
                if role:
                    cursor.execute(f"SET LOCAL ROLE {role}")
                cursor.execute(sql)
        except DatabaseError as error:
            message = str(error).strip().splitlines()[0]
            if "append-only" in message or ("permission denied" in message and not trigger_only):
                self.line("ok", f"access log refuses {what}{who} ({message})")
            else:
                self.fail(f"{what}{who} of the access log failed, but not as a refusal: {message}")
        else:
            self.fail(f"the access log allowed {what}{who}")
