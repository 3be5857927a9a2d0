import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from circles.scheduling import local_to_utc
from loneworking.models import CheckIn


class TimeInput(forms.TimeInput):
    input_type = "time"


class CheckInForm(forms.Form):
    circle = forms.ModelChoiceField(label="Circle", queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        label="What are you doing?", choices=CheckIn.Kind.choices, widget=forms.RadioSelect
    )
    venue = forms.CharField(
        label="Where are you meeting?",
        max_length=200,
        help_text="The place, as someone coming to find you would need it.",
    )
    expected_end = forms.TimeField(
        label="When do you expect to finish? (UK time)",
        widget=TimeInput(format="%H:%M"),
        help_text="If you have not checked out 30 minutes after this, we call you.",
    )
    phone = forms.CharField(
        label="Your phone number",
        max_length=30,
        help_text="The number we call if you have not checked out.",
    )

    def __init__(self, *args, circles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circle"].queryset = circles
        # The circle's own name: its default label reads its Core Member (a query each).
        self.fields["circle"].label_from_instance = lambda circle: circle.name
        minutes = settings.COSA_LONE_WORKING_GRACE_MINUTES
        self.fields[
            "expected_end"
        ].help_text = f"If you have not checked out {minutes} minutes after this, we call you."

    def clean(self):
        cleaned = super().clean()
        at = cleaned.get("expected_end")
        if at is not None:
            now = timezone.now()
            today = timezone.localtime(now).date()
            end = local_to_utc(today, at)
            if end <= now:
                # A time earlier than now is this evening's contact running past midnight.
                end = local_to_utc(today + datetime.timedelta(days=1), at)
            limit = settings.COSA_LONE_WORKING_MAX_HOURS
            if end > now + datetime.timedelta(hours=limit):
                self.add_error(
                    "expected_end",
                    f"That time has passed. Choose a time later than now, within {limit} hours.",
                )
            cleaned["expected_end_at"] = end
        return cleaned
