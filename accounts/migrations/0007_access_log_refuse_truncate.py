"""On PostgreSQL, only the access log's owner may TRUNCATE it.

The row trigger (0002) refuses UPDATE and DELETE, but TRUNCATE fires no row
triggers, so a role holding TRUNCATE (granted by mistake, or the owner itself if
the application runs as the owner) could empty the log in one statement. This
statement trigger refuses TRUNCATE for every role that is not the table's owner
(or a member of it). The owner keeps it because the owner runs the migrations and
the test suite, whose TransactionTestCase flushes tables with TRUNCATE; the
application itself runs as a role that does not own the tables (README "Database
roles", ``manage.py grant_app_role``).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_accesslog_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
    ) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'accounts_accesslog is append-only: only its owner may truncate it'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_accesslog_no_truncate ON accounts_accesslog;
CREATE TRIGGER accounts_accesslog_no_truncate
    BEFORE TRUNCATE ON accounts_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_accesslog_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_accesslog_no_truncate ON accounts_accesslog;
DROP FUNCTION IF EXISTS accounts_accesslog_refuse_truncate();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_two_factor_enrolment_codes")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
