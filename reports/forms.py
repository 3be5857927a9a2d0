"""Report filters: a date range (or a quarter) and, for managers, one coordinator."""

from django import forms

from accounts.models import User
from cosa.forms import DateInput
from reports.queries import Period, financial_quarter, recent_quarters

MAX_PERIOD_DAYS = 366 * 10


class CoordinatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.email


def _coordinator_field():
    return CoordinatorChoice(
        queryset=User.objects.filter(role=User.Role.COORDINATOR).order_by(
            "last_name", "first_name"
        ),
        required=False,
        empty_label="Every coordinator",
        label="Coordinator",
    )


class _ScopeMixin:
    """Managers may narrow a report to one coordinator; coordinators never see the field."""

    def _limit_to(self, user):
        if not user.is_manager:
            del self.fields["coordinator"]

    @property
    def coordinator(self):
        if not self.is_bound or "coordinator" not in self.fields:
            return None
        return getattr(self, "cleaned_data", {}).get("coordinator")


class ReportFilterForm(_ScopeMixin, forms.Form):
    date_from = forms.DateField(label="From", widget=DateInput())
    date_to = forms.DateField(label="To (included)", widget=DateInput())
    coordinator = _coordinator_field()

    def __init__(self, data=None, *, user, today=None):
        default = Period.default(today)
        if data is not None and not any(
            key in data for key in ("date_from", "date_to", "coordinator")
        ):
            data = None
        if data is not None:
            data = data.copy()
            data.setdefault("date_from", default.start.isoformat())
            data.setdefault("date_to", default.end.isoformat())
        super().__init__(data, initial={"date_from": default.start, "date_to": default.end})
        self._limit_to(user)
        self.default = default

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", "The end of the period must not be before its start.")
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("date_from", "Choose a period of at most ten years.")
        return cleaned

    @property
    def period(self):
        if not self.is_bound:
            return self.default
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])


def quarter_label(year, quarter):
    period = financial_quarter(year, quarter)
    return f"{year}/{(year + 1) % 100:02d} Q{quarter} ({period.label})"


class QuarterForm(_ScopeMixin, forms.Form):
    quarter = forms.ChoiceField(label="Quarter (financial year)")
    coordinator = _coordinator_field()

    def __init__(self, data=None, *, user, today=None):
        if data is not None and not any(key in data for key in ("quarter", "coordinator")):
            data = None
        choices = [(f"{y}-Q{q}", quarter_label(y, q)) for y, q in recent_quarters(today, 12)]
        super().__init__(data, initial={"quarter": choices[0][0]})
        self.fields["quarter"].choices = choices
        self._limit_to(user)

    @property
    def year_quarter(self):
        value = self.cleaned_data["quarter"] if self.is_bound else self.initial["quarter"]
        year, quarter = value.split("-Q")
        return int(year), int(quarter)

    @property
    def period(self):
        return financial_quarter(*self.year_quarter)

    @property
    def label(self):
        return quarter_label(*self.year_quarter)
