"""GiST trigram indexes beside the GIN ones, for a search across the whole service.

A GIN index finds every name similar to the query; only a GiST index returns them
nearest first and stops after the first few (ORDER BY ... <<-> ... LIMIT, a KNN scan).
A manager's search for a common surname matched 4,935 Core Members at national scale,
each scored and sorted to keep sixty (search/queries.py ``_nearest``). PostgreSQL only.
"""

from django.db import migrations

INDEXES = [
    ("search_cm_first_gist", "core_members_coremember", "first_name"),
    ("search_cm_last_gist", "core_members_coremember", "last_name"),
    ("search_cm_preferred_gist", "core_members_coremember", "preferred_name"),
    ("search_circle_name_gist", "circles_circle", "name"),
    ("search_user_first_gist", "accounts_user", "first_name"),
    ("search_user_last_gist", "accounts_user", "last_name"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gist ({column} gist_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_trigram_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
