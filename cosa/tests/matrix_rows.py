"""Every app's permission-matrix rows, merged: the matrix test and the hostile-input
test both walk them."""

import importlib
import pkgutil
from pathlib import Path

from django.apps import apps
from django.conf import settings


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
