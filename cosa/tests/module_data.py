"""Data built once for a test module instead of once for each of its tests.

pytest-django runs each database test in a transaction that is rolled back at its
end. Data built before a module's first test, inside one outer transaction, is
therefore what every test of the module starts from, exactly as if it had been built
for it: each test's own writes are undone (its transaction is a savepoint of the
outer one), and the outer transaction is rolled back after the module's last test.
A world of two launched circles costs about a second to build; a module of forty
tests that each take it saves most of forty seconds.

Only for modules whose tests all run in a transaction: a test that commits
(``django_db(transaction=True)``, ``transactional_db``, ``live_server``) would commit
or truncate the shared data, so :func:`every_database_test_takes` refuses to share
in a module that has one.
"""

import copy

import pytest
from django.db import transaction

# Fixtures that make a test commit (or truncate) instead of rolling back.
COMMITTING = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _is_database_test(item):
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", *COMMITTING} & set(item.fixturenames)
    )


def _commits(item):
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction")
        or marker.kwargs.get("reset_sequences")
        or marker.kwargs.get("serialized_rollback")
        or (marker.args and marker.args[0])
    ):
        return True
    return bool(COMMITTING & set(item.fixturenames))


def every_database_test_takes(request, fixture_name):
    """Whether every database test of the requesting module takes ``fixture_name``
    and none of them commits: then that data may be built once for the module."""
    module = request.node
    items = [i for i in request.session.items if i.getparent(pytest.Module) is module]
    database_tests = [i for i in items if _is_database_test(i)]
    return bool(database_tests) and all(
        fixture_name in i.fixturenames and not _commits(i) for i in database_tests
    )


def built_once(django_db_blocker, build):
    """The body of a module-scoped fixture: ``build()`` inside a transaction that is
    rolled back when the module is done; yields what ``build()`` returned.

    The database stays blocked between the two, so a module's test that is not
    marked for the database still cannot reach it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def fresh_copy(data):
    """A copy of the module's objects for one test: what a test changes on them in
    Python (not only in the database) never reaches the next test. The database rows
    are the same; each object's cached related objects are copied with it."""
    return copy.deepcopy(data)
