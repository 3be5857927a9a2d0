"""Form pieces every app shares."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker: it needs (and shows) ISO dates, whatever the page's locale."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 (Django's name)
        super().__init__(attrs, format=format)
