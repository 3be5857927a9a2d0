"""The permission matrix: every URL pattern x ten actors x GET and POST (DESIGN §4).

Each case runs inside a savepoint that is rolled back, so a POST that succeeds
does not change what the next case sees. A URL pattern that is not classified
here fails the test: a new page cannot ship without saying who may use it.
"""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from cosa.tests.matrix_support import ACTORS, LOGGED_OUT
from cosa.tests.urlwalk import all_url_names, all_url_patterns


def _collect_rows():
    """Merge ROWS from every ``<app>/tests/matrix*.py`` of the project's apps."""
    merged = {}
    for config in apps.get_app_configs():
        if Path(config.path).parent != Path(settings.BASE_DIR):
            continue  # Django's and third-party apps
        try:
            tests = importlib.import_module(f"{config.name}.tests")
        except ModuleNotFoundError:
            continue
        for module in pkgutil.iter_modules(tests.__path__):
            if module.name.startswith("matrix"):
                rows = importlib.import_module(f"{tests.__name__}.{module.name}").ROWS
                clash = set(rows) & set(merged)
                assert not clash, f"URL names classified twice: {sorted(clash)}"
                merged.update(rows)
    return merged


MATRIX = _collect_rows()


# The admin's own login page is the only admin page a non-manager is shown; it
# holds no data. Logging out of the admin needs a POST.
# A logged-in non-manager on either is bounced to the admin index, then to login.
ADMIN_OPEN = {"admin:login": {200, 302}, "admin:logout": {302, 405}}


def _login(client, world, actor):
    client.logout()
    if actor != "anonymous":
        client.force_login(world.users[actor])


@pytest.mark.django_db
def test_every_url_pattern_is_classified():
    names = [name for name in all_url_names() if not name.startswith("admin:")]
    unclassified = sorted(set(names) - set(MATRIX))
    assert not unclassified, f"URL patterns missing from the permission matrix: {unclassified}"
    stale = sorted(set(MATRIX) - set(names))
    assert not stale, f"matrix rows for URL patterns that no longer exist: {stale}"


@pytest.mark.django_db
def test_permission_matrix(client, world):
    failures = []
    checked = 0
    for name, (kwargs_for, table) in MATRIX.items():
        url = reverse(name, kwargs=kwargs_for(world))
        assert set(table) == set(ACTORS), name
        for actor, (get_status, post_status) in table.items():
            for method, wanted in (("get", get_status), ("post", post_status)):
                _login(client, world, actor)
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                checked += 1
                if response.status_code != wanted:
                    failures.append(
                        f"{method.upper()} {url} as {actor}: {response.status_code} != {wanted}"
                    )
                if actor in LOGGED_OUT and response.status_code == 302:
                    assert "/login/" in response["Location"], (name, actor)
    print(f"\npermission matrix: {checked} cases over {len(MATRIX)} URL patterns")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_admin_patterns_refuse_everyone_but_managers(client, world):
    """Every admin URL pattern: non-managers are sent to a login page, never served."""
    checked = 0
    patterns = [(name, path) for name, path in all_url_patterns() if name.startswith("admin:")]
    assert len(patterns) > 50
    for name, path in patterns:
        for actor in ACTORS:
            if actor == "manager":
                continue
            _login(client, world, actor)
            response = client.get(path)
            checked += 1
            assert b"Zebediah" not in response.content, (name, actor)
            if name in ADMIN_OPEN:
                assert response.status_code in ADMIN_OPEN[name], (name, actor)
                continue
            assert response.status_code == 302, (name, path, actor, response.status_code)
            assert "/login/" in response["Location"], (name, actor, response["Location"])
        _login(client, world, "manager")
        response = client.get(path)
        checked += 1
        assert response.status_code in (200, 302, 403, 404, 405), (name, path, response.status_code)
    print(f"\nadmin patterns: {checked} cases over {len(patterns)} patterns")
