"""The written order of the apps, and where permission decisions may be made."""

import pathlib
import re
import shutil
import subprocess

from django.conf import settings

ROOT = pathlib.Path(settings.BASE_DIR)
PRODUCT_APPS = (
    "accounts",
    "circles",
    "coreMembers",
    "volunteers",
    "sharing",
    "outcomes",
    "privacy",
    "reports",
    "chronology",
    "cosa",
)


def test_no_app_imports_a_layer_above_it():
    """pyproject.toml [tool.importlinter] writes the order down; lint-imports enforces it."""
    lint_imports = shutil.which("lint-imports") or str(ROOT / ".venv" / "bin" / "lint-imports")
    result = subprocess.run(  # noqa: S603 - the project's own tool, fixed arguments
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


ROLE_COMPARISON = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)")
# The role checks that are the access rules themselves, or validate a role given as input.
ALLOWED = {
    "cosa/views.py",  # roles_required, the decorator list pages use
    "coreMembers/services.py",  # _require_role: "the coordinator you chose is a coordinator"
    "accounts/models.py",  # the role properties and groups
    "circles/models.py",  # CircleMembership.is_primary: a membership's role, not a user's
}


def test_no_view_service_form_or_task_compares_roles_itself():
    """Who may do what is asked of the access helpers or the user's role properties."""
    found = []
    for app in PRODUCT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            if path.name == "access.py" or relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if ROLE_COMPARISON.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
