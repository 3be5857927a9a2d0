"""Nothing in the product imports the development tools: they sit on top of the app order.

Production does not install devtools, so one import of it from a product module
would either break production or drag the demo's known-password accounts in.
"""

import ast
from pathlib import Path

from django.conf import settings

PRODUCT_PACKAGES = ("accounts", "circles", "coreMembers", "volunteers", "reports", "cosa")


def _imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def devtools_imports(root):
    found = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for module in _imported_modules(tree):
                if module == "devtools" or module.startswith("devtools."):
                    found.append(f"{path.relative_to(root)}: {module}")
    return found


def test_no_product_module_imports_devtools():
    root = Path(settings.BASE_DIR)
    assert all((root / package).is_dir() for package in PRODUCT_PACKAGES)
    assert devtools_imports(root) == []


def test_the_check_finds_an_import_of_devtools(tmp_path):
    for package in PRODUCT_PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "circles" / "views.py").write_text("from devtools import demo\n")
    (tmp_path / "reports" / "x.py").write_text(
        "import importlib\nimportlib.import_module('devtools.scale')\n"
    )
    (tmp_path / "cosa" / "y.py").write_text("import devtoolsish\nfrom . import devtools\n")

    assert devtools_imports(tmp_path) == [
        "circles/views.py: devtools",
        "reports/x.py: devtools.scale",
    ]
