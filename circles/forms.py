from django import forms

from accounts.models import User
from circles.models import Circle, CircleMembership, Frequency, ReviewMilestone


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class PatternForm(forms.ModelForm):
    class Meta:
        model = Circle
        fields = ["weekday", "meeting_time", "venue", "frequency", "duration_minutes"]
        widgets = {"meeting_time": TimeInput(format="%H:%M")}
        labels = {
            "meeting_time": "Meeting time (UK time)",
            "duration_minutes": "Length in minutes",
        }

    def clean_venue(self):
        venue = self.cleaned_data["venue"].strip()
        if not venue:
            raise forms.ValidationError("Say where the circle meets.")
        return venue


class CircleFormForm(PatternForm):
    """Form a circle from an accepted referral."""

    coordinator = forms.ModelChoiceField(queryset=User.objects.none())

    class Meta(PatternForm.Meta):
        fields = ["name", "kind", "coordinator", *PatternForm.Meta.fields]
        help_texts = {"name": "A neutral name that does not identify the Core Member."}

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        coordinators = User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
        self.fields["coordinator"].queryset = coordinators
        self.fields["coordinator"].initial = (
            acting_user.pk if acting_user.role == User.Role.COORDINATOR else None
        )
        if acting_user.role == User.Role.COORDINATOR:
            # A coordinator forms circles for themselves; managers assign.
            self.fields["coordinator"].queryset = coordinators.filter(pk=acting_user.pk)


class CovenantForm(forms.Form):
    goals = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text="What the circle and the Core Member agree to work on.",
    )
    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        help_text="Changing the frequency reschedules future meetings.",
    )
    agreed_on = forms.DateField(widget=DateInput)


class MatchFilterForm(forms.Form):
    q = forms.CharField(label="Name", required=False, max_length=100)
    dbs_current = forms.BooleanField(label="DBS check current", required=False, initial=True)
    trained = forms.BooleanField(label="Initial training done", required=False, initial=True)
    max_circles = forms.IntegerField(
        label="Holding at most this many circles", required=False, min_value=0, max_value=10
    )


class MembershipAddForm(forms.Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=CircleMembership.Role.choices)


class EndCircleForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "—"), *Circle.EndReason.choices], label="Why it ended")
    ended_on = forms.DateField(widget=DateInput, label="End date")
    outcome_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        label="Outcome",
        help_text="What was achieved, what happens next for the Core Member.",
    )


class ReviewForm(forms.Form):
    completed_on = forms.DateField(widget=DateInput, label="Review date")
    attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, help_text="Who took part."
    )
    progress_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        label="Progress against the covenant goals",
    )
    decision = forms.ChoiceField(choices=[("", "—"), *ReviewMilestone.Decision.choices])
