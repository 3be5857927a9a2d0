"""Forms for the safeguarding action log, cover and the on-call rota."""

import datetime

from django import forms
from django.utils import timezone

from accounts.models import User
from circles.models import ConcernAction

# The formats a browser's date pickers read back, so an edit opens with its values.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_TIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _staff():
    return User.objects.filter(is_active=True, role__in=User.STAFF_ROLES).order_by(
        "first_name", "last_name"
    )


class ConcernActionForm(forms.Form):
    kind = forms.ChoiceField(label="What was done", choices=ConcernAction.Kind.choices)
    acted_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for now.",
    )
    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CoverForm(forms.Form):
    coordinator = forms.ModelChoiceField(label="Coordinator away", queryset=User.objects.none())
    deputy = forms.ModelChoiceField(label="Deputy", queryset=User.objects.none())
    starts_on = forms.DateField(label="From", widget=DATE)
    ends_on = forms.DateField(label="Until", widget=DATE)
    reason = forms.CharField(label="Reason (optional)", max_length=200, required=False)

    def __init__(self, *args, coordinators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = coordinators if coordinators is not None else _staff()
        self.fields["deputy"].queryset = _staff()

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "Cover ends on or after the day it starts.")
        if data.get("deputy") and data.get("deputy") == data.get("coordinator"):
            self.add_error("deputy", "Choose someone other than the coordinator.")
        return data


class CoverChangeForm(CoverForm):
    """Cover's deputy, dates and reason; whose cover it is stays."""

    def __init__(self, *args, cover, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["coordinator"]
        self.fields["deputy"].queryset = _staff().exclude(pk=cover.coordinator_id)


class ShiftForm(forms.Form):
    staff = forms.ModelChoiceField(label="On call", queryset=User.objects.none())
    phone = forms.CharField(label="Phone number to call", max_length=30)
    starts_at = forms.DateTimeField(label="Starts", widget=DATE_TIME)
    ends_at = forms.DateTimeField(label="Ends", widget=DATE_TIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _staff()

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "A shift ends after it starts.")
        if data.get("ends_at") and data["ends_at"] < timezone.now() - datetime.timedelta(hours=1):
            self.add_error("ends_at", "That shift is already over.")
        return data


class SafeguardingContactForm(forms.Form):
    name = forms.CharField(label="Name or desk", max_length=120)
    organisation = forms.CharField(label="Organisation", max_length=120, required=False)
    phone = forms.CharField(
        label="Phone number",
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
