"""Report filters: a date range (or a quarter) and, for managers, one coordinator."""

import datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone

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


# Meeting reports -------------------------------------------------------------------------

# A meeting report covers at most two years: longer is a history, not a briefing.
MEETING_REPORT_MAX_DAYS = 731


class MeetingReportForm(forms.Form):
    """The period of a MAPPA report or offender manager update (default: the last 3 months)."""

    date_from = forms.DateField(label="From", widget=DateInput())
    date_to = forms.DateField(label="To (included)", widget=DateInput())

    def __init__(self, data=None, *, today=None):
        self.today = today or timezone.localdate()
        default = Period(
            self.today - relativedelta(months=3) + datetime.timedelta(days=1), self.today
        )
        if data is not None and not any(key in data for key in ("date_from", "date_to")):
            data = None
        super().__init__(data, initial={"date_from": default.start, "date_to": default.end})
        self.default = default

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", "The end of the period must not be before its start.")
            elif end > self.today:
                self.add_error("date_to", "The period cannot end in the future.")
            elif (end - start).days >= MEETING_REPORT_MAX_DAYS:
                self.add_error("date_from", "Choose a period of at most two years.")
        return cleaned

    @property
    def period(self):
        if not self.is_bound:
            return self.default
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])

    def query(self):
        period = self.period
        return f"date_from={period.start.isoformat()}&date_to={period.end.isoformat()}"


class MeetingSummaryForm(forms.Form):
    date_from = forms.DateField(widget=forms.HiddenInput())
    date_to = forms.DateField(widget=forms.HiddenInput())
    text = forms.CharField(
        label="Coordinator's summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the meeting most needs to know. Do not name volunteers: "
        "any name of the circle's volunteers is shown as Volunteer A, B, ...",
    )

    def clean_text(self):
        from reports.services import SUMMARY_MAX_CHARS

        text = self.cleaned_data["text"].strip()
        if len(text) > SUMMARY_MAX_CHARS:
            raise forms.ValidationError(f"Keep the summary to {SUMMARY_MAX_CHARS} characters.")
        return text

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The report's period is not valid: open it again.")
        return cleaned

    @property
    def period(self):
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])


def _liaison_label(user):
    name = user.get_full_name()
    return f"{name} ({user.agency.name})" if user.agency_id else name


class MeetingReportShareForm(forms.Form):
    date_from = forms.DateField(widget=forms.HiddenInput())
    date_to = forms.DateField(widget=forms.HiddenInput())
    recipients = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Send to",
        help_text="Liaisons assigned to him whose agency his sharing agreement covers.",
    )

    def __init__(self, data=None, *, eligible, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["recipients"].queryset = eligible
        self.fields["recipients"].label_from_instance = lambda user: (
            f"{user.get_full_name()} ({user.agency.name})"
            if user.agency_id
            else user.get_full_name()
        )

    @property
    def period(self):
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])


class ReportTemplateForm(forms.Form):
    kind = forms.ChoiceField(label="Report", choices=())
    file = forms.FileField(
        label="Word template (.docx)",
        help_text="At most 2 MB. Placeholders as in the README; links to other files are removed.",
    )

    def __init__(self, *args, **kwargs):
        from reports.models import ReportTemplate

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ReportTemplate.Kind.choices

    def clean_file(self):
        from cosa.documents import DOCX_MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > DOCX_MAX_BYTES:
            raise forms.ValidationError("The file is too large: a template is at most 2 MB.")
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError("Choose a Word document ending in .docx.")
        return upload
