"""Refuse out-of-range ids in model choice fields before they reach the database.

Django's ModelChoiceField and ModelMultipleChoiceField only check that a submitted
id converts to the key's type; an integer beyond the database's range (a hostile
"99999999999999999999") then fails inside the query — OverflowError on SQLite,
DataError on PostgreSQL — and the request answers 500. ``install()`` (called from
accounts.apps) makes both fields treat such a value as an invalid choice, the
same form error as any id that does not exist.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

LOWEST, HIGHEST = -(2**63), 2**63 - 1


def _out_of_range(field, value):
    key = field.to_field_name
    meta = field.queryset.model._meta
    model_field = meta.get_field(key) if key else meta.pk
    if not isinstance(model_field, models.IntegerField | models.AutoField):
        return False
    try:
        number = int(str(value).strip())
    except ValueError:
        return False  # Django's own conversion reports it
    return not LOWEST <= number <= HIGHEST


def install():
    if getattr(forms.ModelChoiceField, "_cosa_range_checked", False):
        return
    single_to_python = forms.ModelChoiceField.to_python
    multiple_check = forms.ModelMultipleChoiceField._check_values

    def to_python(self, value):
        if value not in self.empty_values and _out_of_range(self, value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return single_to_python(self, value)

    def _check_values(self, value):
        for item in value or ():
            if _out_of_range(self, item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return multiple_check(self, value)

    forms.ModelChoiceField.to_python = to_python
    forms.ModelMultipleChoiceField._check_values = _check_values
    forms.ModelChoiceField._cosa_range_checked = True
