"""Project-wide pytest set-up: the database banner and the fixtures every app shares."""

import contextlib
import datetime
import os
import zoneinfo

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.test import Client

LONDON = zoneinfo.ZoneInfo("Europe/London")

# The real-worker harness's fixtures (sink, workers, broker), for every app's
# integration tests.
pytest_plugins = ["circles.tests.worker_support"]


# `make test` hands whole modules to its processes (--dist loadfile) in the order they
# were collected (--no-loadscope-reorder). These modules take far longer than their
# number of tests suggests (a real `make run`, real workers, the demo seeded, every page
# as every user), longest first: they start first, so that no process is left running
# one of them alone at the end while the other has finished. Measured one module at a
# time on a 2-core machine; the rest follow by number of tests, largest first (the order
# xdist itself would choose).
LONGEST_MODULES = (
    "devtools/tests/test_make_run.py",  # a fresh clone's `make run`: migrate, seed, serve
    "cosa/tests/test_permission_matrix.py",
    "cosa/tests/test_hostile_input.py",
    "cosa/tests/test_admin_registry.py",
    "circles/tests/test_reminders_integration.py",
    "loneworking/tests/test_alerts_integration.py",
    "devtools/tests/test_seed_demo.py",
    "devtools/tests/test_seed_demo_outcomes.py",
    "cosa/tests/test_volunteer_protection.py",
    "devtools/tests/test_bench_query_counts.py",
    "circles/tests/test_minutes_matrix.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under --dist loadfile, the longest modules first, then by number of tests.

    Each module's own tests keep their order (pytest-django's: database tests first).
    """
    if config.getoption("dist", "no") != "loadfile":
        return
    by_module = {}
    for item in items:
        by_module.setdefault(item.nodeid.split("::")[0], []).append(item)
    longest = {path: rank for rank, path in enumerate(LONGEST_MODULES)}

    def order(path):
        return (longest.get(path, len(longest)), -len(by_module[path]))

    items[:] = [item for path in sorted(by_module, key=order) for item in by_module[path]]


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    engine = "PostgreSQL" if url.startswith(("postgres", "postgresql")) else "SQLite"
    broker = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    return [f"cosa database: {engine}; celery broker: {broker}"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache (each process's own memory): rate-limit
    counts and cached feed events never carry from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


# The world: the one builder (cosa/tests/world.py) every matrix and leak test uses ---------


@pytest.fixture(scope="module")
def _world_of_the_module(request, django_db_setup, django_db_blocker):
    """The world, built once for a module whose every database test takes it (and
    none commits); None for any other module (cosa/tests/module_data.py)."""
    from cosa.tests.module_data import built_once, every_database_test_takes
    from cosa.tests.world import build_world

    if not every_database_test_takes(request, "world"):
        yield None
        return
    yield from built_once(django_db_blocker, build_world)


@pytest.fixture
def world(_world_of_the_module, db):
    """Two circles (A: owner; B: other_coordinator) and one of every kind of user.

    Every test starts from the same rows as a world built for it alone: in a module
    where all database tests take the world it is built once and each test's writes
    are rolled back, and each test gets its own copy of the objects; elsewhere it is
    built for each test.
    """
    from cosa.tests.module_data import fresh_copy
    from cosa.tests.world import build_world

    if _world_of_the_module is None:
        return build_world()
    return fresh_copy(_world_of_the_module)


# People --------------------------------------------------------------------------------


@pytest.fixture
def coordinator(db):
    from accounts.tests.factories import CoordinatorFactory

    return CoordinatorFactory(first_name="Alice", last_name="Ashdown")


@pytest.fixture
def other_coordinator(db):
    from accounts.tests.factories import CoordinatorFactory

    return CoordinatorFactory(first_name="Bob", last_name="Brindle")


@pytest.fixture
def manager(db):
    from accounts.tests.factories import ManagerFactory

    return ManagerFactory(first_name="Morag", last_name="Mansell")


@pytest.fixture
def agency(db):
    from accounts.models import Agency
    from accounts.tests.factories import AgencyFactory

    return AgencyFactory(name="Northshire Probation", kind=Agency.Kind.PROBATION)


@pytest.fixture
def liaison(agency):
    from accounts.tests.factories import LiaisonFactory

    return LiaisonFactory(first_name="Lena", last_name="Lockwood", agency=agency)


# Time -------------------------------------------------------------------------------------


@pytest.fixture
def freeze_time(monkeypatch):
    """``freeze_time(datetime)`` stops the clock the services read.

    Services call ``timezone.now()`` / ``timezone.localdate()`` through the
    ``django.utils.timezone`` module, and ``localdate()`` calls ``now()``
    internally, so patching the module attribute freezes both. A naive datetime
    is read as Europe/London wall-clock time. Returns the frozen aware datetime.
    """

    def freeze(moment):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LONDON)
        moment = moment.astimezone(datetime.UTC)
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return freeze


# Database constraints ---------------------------------------------------------------------


def _constraint_named(name):
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return constraint
    raise LookupError(f"No model declares a constraint named {name!r}.")


@pytest.fixture
def db_refuses(db):
    """``with db_refuses("constraint_name"): Model.objects.create(...)``.

    Asserts the database itself raised IntegrityError for that named constraint.
    The write runs in its own savepoint so PostgreSQL can carry on afterwards.
    PostgreSQL and SQLite name a CHECK constraint in the error; SQLite names the
    columns, not the index, of a failed UNIQUE constraint.
    """

    @contextlib.contextmanager
    def refuses(name):
        constraint = _constraint_named(name)
        with pytest.raises(IntegrityError) as caught, transaction.atomic():
            yield
        message = str(caught.value)
        if connection.vendor == "sqlite" and isinstance(constraint, models.UniqueConstraint):
            assert "UNIQUE constraint failed" in message, message
        else:
            assert name in message, message

    return refuses


# Logged-in test clients ---------------------------------------------------------------------


class TwoFactorClient(Client):
    """A test client whose ``force_login`` also passes the second factor.

    Every page requires two-factor login (accounts.middleware); tests that are
    not about the login itself log in as a fully verified user, the way a real
    session looks after the code step. The login tests use a plain Client.
    """

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_static.models import StaticDevice

        super().force_login(user, backend)
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="Test device", defaults={"confirmed": True}
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client():
    return TwoFactorClient()
