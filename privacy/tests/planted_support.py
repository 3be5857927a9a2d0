"""Where planted personal data is stored: the erasure tests' one search of every table."""

import json

from django.apps import apps
from django.db import models


def text_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.FileField | models.JSONField)
    ]


def tables_holding(planted: str, models_to_search=None) -> list[str]:
    """Every table and column (history, tokens, logs included) holding ``planted``, in
    any case; ``models_to_search`` narrows the search to those models."""
    found = []
    for model in models_to_search or apps.get_models(include_auto_created=True):
        if not model._meta.managed:
            continue
        for field in text_fields(model):
            if isinstance(field, models.JSONField):
                values = model._default_manager.values_list(field.attname, flat=True)
                if any(planted.lower() in json.dumps(v).lower() for v in values):
                    found.append(f"{model._meta.db_table}.{field.column}")
            elif model._default_manager.filter(**{f"{field.attname}__icontains": planted}).exists():
                found.append(f"{model._meta.db_table}.{field.column}")
    return found
