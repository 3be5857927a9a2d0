"""Rules about the code itself that review alone would miss."""

import pathlib
import re

from django.conf import settings

ROOT = pathlib.Path(settings.BASE_DIR)
SKIP_PARTS = {".venv", "node_modules", "var", ".git", "e2e-screenshots"}
SUFFIXES = {".py", ".html", ".js", ".css", ".ini", ".toml", ".yml"}
TICKET = re.compile(r"\bissues? \d+\b", re.IGNORECASE)


def _source_files():
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if (
            path.suffix in SUFFIXES
            and path.is_file()
            and not SKIP_PARTS.intersection(relative.parts)
        ):
            yield path


def test_no_ticket_numbers_in_code_comments_or_docstrings():
    """A comment says why; a ticket number says nothing once the tracker is gone."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _source_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if TICKET.search(line)
    ]
    assert found == []


TEST_MODULE_IMPORT = re.compile(r"^\s*from \S+\.test_\w+ import|^\s*import \S+\.test_\w+", re.M)


def test_no_test_module_imports_another():
    """Shared builders live in factories, helpers or *_support modules, not in tests."""
    found = [
        str(path.relative_to(ROOT))
        for path in _source_files()
        if path.suffix == ".py" and TEST_MODULE_IMPORT.search(path.read_text(errors="replace"))
    ]
    assert found == []
