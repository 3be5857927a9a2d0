import datetime

from django import forms

from cosa.chronology import Window
from cosa.forms import DateInput

# Dates outside these years are typing mistakes, and the far end of the calendar has no
# day after it to count to.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


class ChronologyFilterForm(forms.Form):
    """The chronology's filter, from the page's query string: kinds and dates."""

    kinds = forms.MultipleChoiceField(
        label="Show",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none to show every kind.",
        error_messages={"invalid_choice": "Choose from the kinds listed."},
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a real date, for example 2026-03-31."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a real date, for example 2026-03-31."},
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kinds

    def _clean_year(self, name):
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise forms.ValidationError(f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return day

    def clean_date_from(self):
        return self._clean_year("date_from")

    def clean_date_to(self):
        return self._clean_year("date_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned

    def window(self) -> Window:
        data = self.cleaned_data
        return Window(
            since=data["date_from"],
            until=data["date_to"],
            kinds=frozenset(data["kinds"]) or None,
        )

    def earlier_query(self, before: datetime.date) -> str:
        """This filter's query string with the end date moved to ``before``."""
        query = self.data.copy()
        query["date_to"] = before.isoformat()
        return query.urlencode()
