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


# One form page ---------------------------------------------------------------------------

# View modules that still run their own POST loop, and why each may: none.
OWN_FORM_LOOP_ALLOWED: set[str] = set()
# Showing a service's refusal on a form is form_page's job (cosa/views.py defines it).
SERVICE_ERRORS_CALL = re.compile(r"(?<!def )add_service_errors\(")
OLD_FORM_PAGE_HELPERS = re.compile(r"^def (_action_page|_form_page)\(", re.M)
OLD_FORM_PAGE_TEMPLATES = (
    "circles/action.html",
    "volunteers/form.html",
    "volunteers/leave.html",
    "core_members/form.html",
)


def _view_modules():
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if SKIP_PARTS.intersection(relative.parts) or "tests" in relative.parts:
            continue
        if path.name.startswith("views") or relative.parent.name == "views":
            yield relative.as_posix(), path.read_text()


def test_every_form_post_goes_through_form_page():
    """GET form, POST to a service, errors, message, redirect: written once, in formpages/pages.py,
    so that a rule every form POST must follow is added in one place."""
    modules = dict(_view_modules())
    # The scan finds the view modules (it cannot pass by finding nothing).
    assert {"circles/views/circles.py", "volunteers/views.py", "coreMembers/views.py"} <= set(
        modules
    )
    own_loop = sorted(
        name
        for name, text in modules.items()
        if name not in OWN_FORM_LOOP_ALLOWED
        and (
            ('request.method == "POST"' in text and ".is_valid()" in text)
            or SERVICE_ERRORS_CALL.search(text)
            or OLD_FORM_PAGE_HELPERS.search(text)
        )
    )
    assert own_loop == []


def test_the_old_form_page_templates_are_gone():
    templates = ROOT / "templates"
    assert (templates / "form_page.html").is_file()
    assert [name for name in OLD_FORM_PAGE_TEMPLATES if (templates / name).exists()] == []
