"""Forms for recalls, reconvictions and follow-up checks. Forms validate; services act."""

from django import forms

from accounts.models import Agency
from circles.models import Circle
from coreMembers.forms import CrispyForm, DateInput, _not_future
from outcomes.models import OutcomeEvent


class OutcomeEventForm(CrispyForm, forms.Form):
    kind = forms.ChoiceField(choices=[("", "—"), *OutcomeEvent.Kind.choices], label="What happened")
    occurred_on = forms.DateField(
        widget=DateInput, label="Date", help_text="The day of the recall, or of the conviction."
    )
    offence_type = forms.ChoiceField(
        choices=[("", "—"), *OutcomeEvent.OffenceType.choices],
        required=False,
        label="Offence type",
        help_text="For a reconviction only.",
    )
    offence_on = forms.DateField(
        widget=DateInput,
        required=False,
        label="Date of the offence",
        help_text="For a reconviction, if known: the report places it by this date.",
    )
    source_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Told by (agency)")
    circle = forms.ModelChoiceField(
        queryset=Circle.objects.none(),
        required=False,
        label="Circle",
        help_text="Leave empty to link the circle that had launched by then.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Note",
        help_text="What the agency said; no more than the record needs.",
    )

    def __init__(self, *args, core_member, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["source_agency"].queryset = Agency.objects.order_by("name")
        self.fields["circle"].queryset = core_member.circles.filter(
            launched_on__isnull=False
        ).order_by("-launched_on")

    def clean_occurred_on(self):
        return _not_future(self.cleaned_data["occurred_on"])

    def clean_offence_on(self):
        return _not_future(self.cleaned_data["offence_on"], "An offence date")


class FollowUpCheckForm(CrispyForm, forms.Form):
    checked_on = forms.DateField(widget=DateInput, label="Date of the check")
    checked_with = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Checked with (agency)",
        help_text="The police or probation service that answered.",
    )
    nothing_found = forms.BooleanField(
        required=False,
        label="Nothing found: no recall and no reconviction in the period",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="What the check found",
        help_text="Needed unless nothing was found. Record each recall or reconviction too.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["checked_with"].queryset = Agency.objects.order_by("name")

    def clean_checked_on(self):
        return _not_future(self.cleaned_data["checked_on"], "A check")
