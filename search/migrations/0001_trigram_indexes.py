"""pg_trgm and GIN trigram indexes on the name columns the search box reads.

PostgreSQL only: on SQLite (local runs and tests) both operations do nothing, and the
search ranks a bounded candidate set in Python instead (search/queries.py).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index, table, expression): the names searched with %> (trigram_word_similar), the
# reference with LIKE '%digits%', the CRN with UPPER(...) = UPPER(...) (iexact).
INDEXES = [
    ("search_cm_first_trgm", "core_members_coremember", "first_name gin_trgm_ops"),
    ("search_cm_last_trgm", "core_members_coremember", "last_name gin_trgm_ops"),
    ("search_cm_preferred_trgm", "core_members_coremember", "preferred_name gin_trgm_ops"),
    ("search_cm_reference_trgm", "core_members_coremember", "reference gin_trgm_ops"),
    ("search_circle_name_trgm", "circles_circle", "name gin_trgm_ops"),
    ("search_user_first_trgm", "accounts_user", "first_name gin_trgm_ops"),
    ("search_user_last_trgm", "accounts_user", "last_name gin_trgm_ops"),
]
BTREE_INDEXES = [
    ("search_cm_crn_upper", "core_members_coremember", "(UPPER(probation_crn::text))"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
        )
    for name, table, expression in BTREE_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES + BTREE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_access_log_refuse_truncate"),
        ("core_members", "0002_edit_version"),
        ("circles", "0008_meeting_note_to_review_index"),
    ]

    operations = [
        # CreateExtension itself does nothing on other databases.
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
