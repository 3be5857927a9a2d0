"""Forms for the volunteer pool: they validate input; the services in services.py act."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from cosa.districts import parse_districts
from cosa.forms import DateInput
from volunteers.models import (
    DAY_PARTS,
    WEEKDAYS,
    DBSCheck,
    Gender,
    TrainingRecord,
    Volunteer,
    VolunteerDistrict,
    VolunteerHours,
    availability_bit,
)

AVAILABILITY_CHOICES = [
    (str(availability_bit(day, part).bit_length() - 1), f"{name} {part_name}")
    for day, name in enumerate(WEEKDAYS)
    for part, part_name in enumerate(DAY_PARTS)
]


def _helper():
    """Crispy draws the fields; form_page.html draws the <form> and its button."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class PoolFilterForm(forms.Form):
    """The pool's filters, read from the query string (never raises: bad values are dropped)."""

    DBS_CHOICES = [
        ("", "Any DBS state"),
        ("current", "DBS current"),
        ("due", "Recheck due within 60 days"),
        ("expired", "DBS expired"),
        ("none", "No DBS check"),
    ]
    TRAINED_CHOICES = [
        ("", "Trained or not"),
        ("yes", "Initial training done"),
        ("no", "Not trained"),
    ]
    CIRCLES_CHOICES = [
        ("", "Any number of circles"),
        ("0", "No circle"),
        ("1", "One circle"),
        ("2", "Two or more"),
    ]
    SORT_CHOICES = [
        ("name", "Name"),
        ("status", "Status"),
        ("started", "Started (newest first)"),
        ("recheck", "DBS recheck due (soonest first)"),
        ("circles", "Circles held (fewest first)"),
    ]

    q = forms.CharField(label="Name or e-mail", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Volunteer.Status.choices]
    )
    dbs = forms.ChoiceField(label="DBS check", required=False, choices=DBS_CHOICES)
    trained = forms.ChoiceField(label="Training", required=False, choices=TRAINED_CHOICES)
    circles = forms.ChoiceField(label="Circles held", required=False, choices=CIRCLES_CHOICES)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = True
        self.helper.disable_csrf = True
        self.helper.attrs = {"role": "search"}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-12 col-md-4"),
                Column("status", css_class="col-6 col-md-2"),
                Column("dbs", css_class="col-6 col-md-2"),
                Column("trained", css_class="col-6 col-md-2"),
                Column("circles", css_class="col-6 col-md-2"),
            ),
            Row(
                Column("sort", css_class="col-6 col-md-3"),
                Column(
                    StrictButton("Filter", type="submit", css_class="btn-outline-primary mb-3"),
                    css_class="col-6 col-md-2 d-flex align-items-end",
                ),
            ),
        )

    def filters(self):
        """The valid filters as a dict; an invalid form filters nothing."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class VolunteerCreateForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="E-mail address")
    phone = forms.CharField(max_length=30, required=False)
    postcode_area = forms.CharField(
        label="Postcode area",
        max_length=8,
        required=False,
        help_text="The outward part only (e.g. NS1), to match volunteers to nearby circles.",
    )
    applied_on = forms.DateField(label="Applied on", widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class MoveForm(forms.Form):
    """A status change from a button on the volunteer page."""

    to = forms.ChoiceField(choices=Volunteer.Status.choices)


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label="Reason for leaving",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Leaving also ends the volunteer's current circle memberships.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class DBSCheckForm(forms.Form):
    level = forms.ChoiceField(choices=DBSCheck.Level.choices, initial=DBSCheck.Level.ENHANCED)
    certificate_number = forms.CharField(
        max_length=20, help_text="The 12-digit number on the certificate."
    )
    issued_on = forms.DateField(label="Issued on", widget=DateInput)
    update_service = forms.BooleanField(label="On the DBS Update Service", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ReferenceForm(forms.Form):
    referee_name = forms.CharField(label="Referee's name", max_length=200)
    relationship = forms.CharField(label="Relationship to the volunteer", max_length=100)
    requested_on = forms.DateField(label="Requested on", widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


SATISFACTORY_CHOICES = [("", "Not judged yet"), ("yes", "Satisfactory"), ("no", "Not satisfactory")]


class ReferenceReceiveForm(forms.Form):
    received_on = forms.DateField(label="Received on", widget=DateInput, required=False)
    satisfactory = forms.TypedChoiceField(
        choices=SATISFACTORY_CHOICES,
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class TrainingForm(forms.Form):
    course = forms.ChoiceField(label="Course or topic", choices=TrainingRecord.Course.choices)
    completed_on = forms.DateField(label="Completed on", widget=DateInput)
    hours = forms.DecimalField(
        label="Learning hours",
        required=False,
        min_value=0.25,
        max_value=500,
        decimal_places=2,
        max_digits=5,
    )
    renews_on = forms.DateField(
        label="Renewal due",
        required=False,
        widget=DateInput,
        help_text="Leave empty: safeguarding renews after 3 years, the refresher after 1.",
    )
    notes = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class SupervisionForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=DateInput)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text="Seen only by you and the service managers; never by the volunteer.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class CircleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # The circle's neutral name only: its __str__ carries the Core Member reference.
        return obj.name


class HoursForm(forms.Form):
    kind = forms.ChoiceField(label="What for", choices=VolunteerHours.Kind.choices)
    worked_on = forms.DateField(label="Date", widget=DateInput)
    hours = forms.DecimalField(
        min_value=0.25, max_value=24, decimal_places=2, max_digits=5, help_text="For example 1.5"
    )
    # The hours row's own foreign key makes the field, so its queryset is the circles'
    # without this module naming the circles app (which sits above the pool).
    circle = VolunteerHours._meta.get_field("circle").formfield(
        form_class=CircleChoiceField, required=False, empty_label="Not for a circle"
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the circles this volunteer is or was in.
        circles = self.fields["circle"].queryset
        self.fields["circle"].queryset = (
            circles.filter(memberships__volunteer=volunteer).distinct().order_by("name")
        )
        self.helper = _helper()


class AvailabilityForm(forms.Form):
    """When the volunteer is free and where they travel to (the volunteer may edit these)."""

    availability = forms.MultipleChoiceField(
        label="Free at",
        required=False,
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Morning is before noon, afternoon before 5pm, evening after.",
    )
    travel_districts = forms.CharField(
        label="Postcode districts they can travel to",
        required=False,
        max_length=400,
        help_text="The first half of a postcode, separated by commas: LS6, LS7, BD1.",
    )

    def __init__(self, *args, volunteer=None, **kwargs):
        if volunteer is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(volunteer)
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    @staticmethod
    def initial_for(volunteer):
        return {
            "availability": [
                value
                for value, _ in AVAILABILITY_CHOICES
                if volunteer.availability >> int(value) & 1
            ],
            "travel_districts": ", ".join(volunteer.districts_of(VolunteerDistrict.Kind.TRAVEL)),
            "postcode_area": volunteer.postcode_area,
            "gender": volunteer.gender,
            "skills": volunteer.skills,
            "languages": volunteer.languages,
            "conflict_districts": ", ".join(
                volunteer.districts_of(VolunteerDistrict.Kind.CONFLICT)
            ),
            "conflict_people": volunteer.conflict_people,
        }

    def clean_availability(self):
        return sum(1 << int(value) for value in self.cleaned_data["availability"])

    def clean_travel_districts(self):
        return parse_districts(self.cleaned_data["travel_districts"])


class ProfileForm(AvailabilityForm):
    """The whole matching profile, conflicts included (coordinators and managers)."""

    postcode_area = forms.CharField(
        label="Home postcode district",
        required=False,
        max_length=8,
        help_text="The district they live in, e.g. LS6. Never shown to volunteers.",
    )
    gender = forms.ChoiceField(
        label="Gender", required=False, choices=[("", "Not recorded"), *Gender.choices]
    )
    skills = forms.CharField(label="Skills", required=False, max_length=300)
    languages = forms.CharField(label="Languages besides English", required=False, max_length=200)
    conflict_districts = forms.CharField(
        label="Districts they must not be placed in",
        required=False,
        max_length=400,
        help_text="Declared conflicts: where they work, where family lives. Comma-separated.",
    )
    conflict_people = forms.CharField(
        label="People they know",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Declared conflicts with people; kept from volunteers and liaisons.",
    )

    def clean_postcode_area(self):
        districts = parse_districts(self.cleaned_data["postcode_area"])
        if len(districts) > 1:
            raise forms.ValidationError("Give the one district the volunteer lives in.")
        return districts[0] if districts else ""

    def clean_conflict_districts(self):
        return parse_districts(self.cleaned_data["conflict_districts"])
