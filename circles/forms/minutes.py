"""Forms for minutes, observations, contacts, concerns and their review.

Forms validate input; the services in circles/services.py do the writing.
"""

import datetime
import zoneinfo

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.conf import settings
from django.utils import timezone

from circles.models import MAX_MEETING_MINUTES, Concern, Meeting, MeetingNote
from cosa.forms import DateInput
from volunteers.models import Volunteer

LONDON = zoneinfo.ZoneInfo(settings.TIME_ZONE)

# Plain-language labels for the dynamic-risk indicators (MeetingNote.RISK_FIELDS).
RISK_LABELS = {
    "risk_mood": ("Low mood", "Down, hopeless, flat or tearful."),
    "risk_isolation": ("Isolation", "Cut off from people; little contact outside the circle."),
    "risk_relationships": (
        "Relationship difficulties",
        "Arguments, a new or secret relationship, trouble with family or neighbours.",
    ),
    "risk_sexual_preoccupation": (
        "Sexual preoccupation",
        "Talking or thinking a lot about sex; sexual remarks or interests that worried you.",
    ),
    "risk_emotional_regulation": (
        "Managing anger or upset",
        "Lost temper, very agitated, or could not calm down.",
    ),
    "risk_substance_use": ("Drink or drugs", "Drinking or drug use, or signs of it."),
    "risk_compliance": (
        "Keeping to the rules",
        "Problems with licence, SHPO, registration or the circle agreement.",
    ),
}
RISK_SHORT_LABELS = {field: label for field, (label, _help) in RISK_LABELS.items()}
RISK_CHOICES = [
    ("", "Not seen"),
    ("0", "0 None"),
    ("1", "1 Some"),
    ("2", "2 Marked"),
    ("3", "3 Serious"),
]
SEVERITY_CHOICES = [
    (Concern.Severity.AMBER, "Amber: worrying; the coordinator should know within a day"),
    (Concern.Severity.RED, "Red: serious; the coordinator must know now"),
]


class TimeInput(forms.TimeInput):
    input_type = "time"


def _local(date, time):
    """A Europe/London wall-clock date and time as an aware datetime."""
    return datetime.datetime.combine(date, time, tzinfo=LONDON)


class VolunteerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, volunteer):
        user = volunteer.user
        return f"{user.first_name} {user.last_name[:1]}".strip()


class ConcernFieldsMixin:
    """The optional concern block shared by the minutes form and the emergency request."""

    concern_prefix_fields = (
        "raise_concern",
        "concern_category",
        "concern_severity",
        "concern_imminent",
        "concern_description",
    )

    def add_concern_fields(self, *, required=False):
        self.concern_required = required
        if not required:
            self.fields["raise_concern"] = forms.BooleanField(
                label="I want to raise a concern",
                required=False,
                help_text="Something said or seen that the coordinator must know about.",
            )
        self.fields["concern_category"] = forms.ChoiceField(
            label="What is the concern about?",
            choices=[("", "Choose…"), *Concern.Category.choices],
            required=False,
        )
        self.fields["concern_severity"] = forms.ChoiceField(
            label="How serious is it?",
            choices=SEVERITY_CHOICES,
            widget=forms.RadioSelect,
            required=False,
        )
        self.fields["concern_imminent"] = forms.BooleanField(
            label="Someone may be in danger now or very soon",
            required=False,
        )
        self.fields["concern_description"] = forms.CharField(
            label="What happened, in your own words",
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=5000,
            required=False,
        )

    def clean_concern(self, cleaned):
        wanted = (
            self.concern_required
            or cleaned.get("raise_concern")
            or (cleaned.get("concern_description") or "").strip()
            or cleaned.get("concern_imminent")
        )
        if not wanted:
            cleaned["concern"] = None
            return
        if cleaned.get("concern_imminent") and not cleaned.get("concern_severity"):
            cleaned["concern_severity"] = Concern.Severity.RED
        for field, message in (
            ("concern_category", "Choose what the concern is about."),
            ("concern_severity", "Choose amber or red."),
            ("concern_description", "Say what worries you."),
        ):
            if not (cleaned.get(field) or "").strip() and field not in self.errors:
                self.add_error(field, message)
        if self.errors:
            return
        cleaned["concern"] = {
            "category": cleaned["concern_category"],
            "severity": cleaned["concern_severity"],
            "imminent_risk": bool(cleaned.get("concern_imminent")),
            "description": cleaned["concern_description"].strip(),
        }

    def concern_fieldset(self, legend):
        names = [name for name in self.concern_prefix_fields if name in self.fields]
        return Fieldset(
            legend,
            *[InlineRadios(name) if name == "concern_severity" else name for name in names],
            HTML(
                '{% include "circles/minutes/_emergency_help.html" with hidden=True '
                'panel_id="emergency-help-form" %}'
            ),
            css_class="concern-fields",
        )


class NoteForm(ConcernFieldsMixin, forms.Form):
    """The minutes of one meeting, the dynamic-risk observations and an optional concern."""

    attendance = forms.ChoiceField(
        label="Did the Core Member come?",
        choices=MeetingNote.Attendance.choices,
        widget=forms.RadioSelect,
    )
    absence_reason = forms.CharField(
        label="If not, why not?",
        max_length=300,
        required=False,
        help_text="Needed when the Core Member did not attend.",
    )
    volunteers_present = VolunteerChoices(
        label="Volunteers present",
        queryset=Volunteer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    duration_minutes = forms.IntegerField(
        label="How long (minutes)", min_value=1, max_value=MAX_MEETING_MINUTES, required=False
    )
    summary = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text="Topics, what the Core Member said and did, anything agreed. Facts first.",
    )

    def __init__(self, *args, circle, core_member_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteers_present"].queryset = (
            Volunteer.objects.filter(memberships__circle=circle, memberships__left_on__isnull=True)
            .select_related("user")
            .order_by("user__first_name", "pk")
            .distinct()
        )
        self.fields["attendance"].label = f"Did {core_member_name} come?"
        for field in MeetingNote.RISK_FIELDS:
            label, help_text = RISK_LABELS[field]
            self.fields[field] = forms.TypedChoiceField(
                label=label,
                help_text=help_text,
                choices=RISK_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        self.add_concern_fields()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "The meeting",
                InlineRadios("attendance"),
                Div("absence_reason", css_class="absence-reason"),
                "volunteers_present",
                "duration_minutes",
            ),
            Fieldset("What happened", "summary"),
            Fieldset(
                f"How did {core_member_name} seem?",
                HTML(
                    '<p class="small text-body-secondary">0 none, 1 some, 2 marked, '
                    "3 serious. Leave “Not seen” when it did not come up.</p>"
                ),
                *[InlineRadios(field) for field in MeetingNote.RISK_FIELDS],
                css_class="risk-fields",
            ),
            self.concern_fieldset("A concern (optional)"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("attendance") == MeetingNote.Attendance.NO:
            if not (cleaned.get("absence_reason") or "").strip():
                self.add_error("absence_reason", "Say why the Core Member did not attend.")
        else:
            cleaned["absence_reason"] = ""
        self.clean_concern(cleaned)
        return cleaned

    def note_fields(self):
        data = self.cleaned_data
        fields = {
            "attendance": data["attendance"],
            "absence_reason": data["absence_reason"].strip(),
            "duration_minutes": data["duration_minutes"],
            "summary": data["summary"].strip(),
        }
        for field in MeetingNote.RISK_FIELDS:
            fields[field] = data.get(field)
        return fields

    @classmethod
    def initial_from(cls, note, meeting, user=None):
        if note is None:
            # A new set of minutes: the writer was there; the meeting's planned length.
            present = Volunteer.objects.filter(user=user).values_list("pk", flat=True)
            return {"duration_minutes": meeting.duration_minutes, "volunteers_present": present}
        initial = {
            field: getattr(note, field)
            for field in ("attendance", "absence_reason", "duration_minutes", "summary")
        }
        for field in MeetingNote.RISK_FIELDS:
            value = getattr(note, field)
            initial[field] = "" if value is None else str(value)
        initial["volunteers_present"] = list(note.volunteers_present.values_list("pk", flat=True))
        return initial


class ObservationForm(forms.Form):
    text = forms.CharField(
        label="Your own observation",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="What you noticed that the minutes do not say.",
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the volunteers",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text="The circle's volunteers see this with the minutes.",
    )


class TriageForm(forms.Form):
    notes = forms.CharField(
        label="Triage notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text="What you did or decided. Not shown to volunteers.",
    )


class CloseConcernForm(forms.Form):
    reason = forms.CharField(
        label="Why close it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason for closing the concern.")
        return reason


class ConcernForm(ConcernFieldsMixin, forms.Form):
    """Raise a concern on its own, at any time (not tied to minutes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_concern_fields(required=True)
        for name, label in (
            ("concern_category", "What is it about?"),
            ("concern_description", "What happened, in your own words"),
        ):
            self.fields[name].label = label
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(self.concern_fieldset("The concern"))

    def clean(self):
        cleaned = super().clean()
        self.clean_concern(cleaned)
        return cleaned


class ContactForm(forms.Form):
    """An unscheduled one-to-one or phone contact that has happened."""

    kind = forms.ChoiceField(
        label="What kind of contact?",
        choices=[
            (Meeting.Kind.PHONE, "Phone call"),
            (Meeting.Kind.ONE_TO_ONE, "One-to-one in person"),
        ],
        widget=forms.RadioSelect,
    )
    date = forms.DateField(label="Date", widget=DateInput)
    time = forms.TimeField(label="Time (UK time)", widget=TimeInput(format="%H:%M"))
    duration_minutes = forms.IntegerField(
        label="How long (minutes)", min_value=5, max_value=MAX_MEETING_MINUTES, initial=15
    )
    venue = forms.CharField(
        label="Where (for an in-person contact)", max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        self.fields["date"].initial = now.date()
        self.fields["time"].initial = now.time().replace(second=0, microsecond=0)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            InlineRadios("kind"), "date", "time", "duration_minutes", "venue"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            starts_at = _local(cleaned["date"], cleaned["time"])
            if starts_at > timezone.now() + datetime.timedelta(minutes=5):
                self.add_error("time", "Log a contact once it has happened.")
            elif starts_at < timezone.now() - datetime.timedelta(days=60):
                self.add_error("date", "That is more than 60 days ago; tell your coordinator.")
            cleaned["starts_at"] = starts_at
        return cleaned


class EmergencyRequestForm(ConcernFieldsMixin, forms.Form):
    """Ask the coordinator for an emergency circle meeting."""

    date = forms.DateField(label="Date you suggest", widget=DateInput)
    time = forms.TimeField(label="Time (UK time)", widget=TimeInput(format="%H:%M"))
    venue = forms.CharField(label="Where", max_length=200, required=False)

    def __init__(self, *args, circle, **kwargs):
        super().__init__(*args, **kwargs)
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        self.fields["date"].initial = tomorrow
        self.fields["time"].initial = circle.meeting_time
        self.fields["venue"].initial = circle.venue
        self.add_concern_fields()
        self.fields[
            "raise_concern"
        ].help_text = (
            "Tell the coordinator what has happened. It is kept in the system, never in e-mail."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("The meeting", "date", "time", "venue"),
            self.concern_fieldset("Why it is needed (optional)"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            starts_at = _local(cleaned["date"], cleaned["time"])
            if starts_at <= timezone.now():
                self.add_error("time", "Suggest a time in the future.")
            elif starts_at > timezone.now() + datetime.timedelta(days=14):
                self.add_error("date", "An emergency meeting is within the next two weeks.")
            cleaned["starts_at"] = starts_at
        self.clean_concern(cleaned)
        return cleaned
