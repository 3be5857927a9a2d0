"""`make test` runs in parallel processes (pytest-xdist) that must not share state.

The tests that start a real Celery worker purge their broker and count their own
deliveries, so each process gets a Redis database of its own; the tests that share
``var/test-make-run/`` live in one module, which ``--dist loadfile`` keeps in one
process. The longest modules are handed out first (conftest.py).
"""

import pathlib
import re

import pytest
from django.conf import settings

from conftest import LONGEST_MODULES, pytest_collection_modifyitems
from cosa import test_settings


@pytest.mark.parametrize(
    ("worker", "database"), [("gw0", 1), ("gw1", 2), ("gw13", 14), ("gw14", 15), ("gw15", 1)]
)
def test_each_parallel_process_has_a_redis_database_of_its_own(monkeypatch, worker, database):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)

    chosen = test_settings._broker_of_this_test_process("redis://127.0.0.1:56379/0")

    assert chosen == f"redis://127.0.0.1:56379/{database}"


def test_without_xdist_the_broker_is_redis_url_as_given(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)

    assert test_settings._broker_of_this_test_process("redis://h:1/0") == "redis://h:1/0"
    assert test_settings._broker_of_this_test_process(None) is None


def test_make_test_keeps_each_module_in_one_process():
    makefile = (pathlib.Path(settings.BASE_DIR) / "Makefile").read_text()
    recipe = re.search(r"^test: .*\n\t(.*)$", makefile, re.MULTILINE).group(1)

    assert re.search(r"\s-n\s", recipe), recipe
    assert "--dist loadfile" in recipe, recipe
    # The order is conftest.py's (the longest modules first), not xdist's.
    assert "--no-loadscope-reorder" in recipe, recipe


def test_the_longest_modules_named_in_conftest_exist():
    base = pathlib.Path(settings.BASE_DIR)

    assert [path for path in LONGEST_MODULES if not (base / path).is_file()] == []


class _Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid


class _Config:
    def __init__(self, dist):
        self.dist = dist

    def getoption(self, name, default=None):
        assert name == "dist"
        return self.dist


def test_the_longest_modules_go_first_then_the_largest():
    longest, second = LONGEST_MODULES[:2]
    nodeids = [
        "a/test_small.py::one",
        "a/test_large.py::one",
        f"{second}::test",
        "a/test_large.py::two",
        f"{longest}::test",
        "a/test_small.py::two",
        "a/test_large.py::three",
    ]
    items = [_Item(nodeid) for nodeid in nodeids]

    pytest_collection_modifyitems(_Config("loadfile"), items)

    assert [item.nodeid for item in items] == [
        f"{longest}::test",
        f"{second}::test",
        "a/test_large.py::one",
        "a/test_large.py::two",
        "a/test_large.py::three",
        "a/test_small.py::one",
        "a/test_small.py::two",
    ]


def test_without_loadfile_the_order_is_left_alone():
    items = [_Item("a/test_small.py::one"), _Item(f"{LONGEST_MODULES[0]}::test")]

    pytest_collection_modifyitems(_Config("no"), items)

    assert [item.nodeid for item in items] == [
        "a/test_small.py::one",
        f"{LONGEST_MODULES[0]}::test",
    ]
