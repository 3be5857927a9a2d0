from django import forms
from django.utils import timezone

from accounts.models import User
from circles.models import (
    MAX_MEETING_MINUTES,
    Circle,
    CircleMembership,
    Frequency,
    Meeting,
    ReviewMilestone,
)
from circles.services import MAX_VOLUNTEERS
from cosa.forms import DateInput
from volunteers.models import DAY_PARTS, Gender, day_part_of


def not_in_future(day):
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError("This date is in the future.")
    return day


def today():
    return timezone.localdate()


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
        help_texts = {
            "name": "A neutral name that does not identify the Core Member.",
            "kind": "Through-the-gate circles are planned for 18 months; the others for 12.",
        }

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        coordinators = User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
        self.fields["coordinator"].queryset = coordinators
        self.fields["coordinator"].initial = acting_user.pk if acting_user.is_coordinator else None
        if acting_user.is_coordinator:
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
    agreed_on = forms.DateField(widget=DateInput, initial=today)

    def clean_agreed_on(self):
        return not_in_future(self.cleaned_data["agreed_on"])


class MatchFilterForm(forms.Form):
    SORTS = {
        # Free at the circle's time first, then living in or travelling to his district.
        "match": ("-free", "-near", "circle_count", "user__last_name", "user__first_name", "pk"),
        "circles": ("circle_count", "user__last_name", "user__first_name", "pk"),
        "name": ("user__last_name", "user__first_name", "pk"),
        "dbs": ("dbs_recheck_due_on", "user__last_name", "pk"),
    }
    # What an unfiltered first visit shows: who could join today and can get to the Core
    # Member (a circle's volunteers are local), best matches first. Unticking "near"
    # widens the pool to every area.
    DEFAULTS = {"active": "on", "dbs_current": "on", "trained": "on", "near": "on", "sort": "match"}

    q = forms.CharField(label="Name or postcode area", required=False, max_length=100)
    active = forms.BooleanField(label="Active volunteers only", required=False, initial=True)
    dbs_current = forms.BooleanField(label="DBS check current", required=False, initial=True)
    trained = forms.BooleanField(label="Initial training done", required=False, initial=True)
    free = forms.BooleanField(label="Free at the circle's meeting time", required=False)
    near = forms.BooleanField(
        label="Lives in or travels to the Core Member's district", required=False
    )
    gender = forms.ChoiceField(
        label="Gender", required=False, choices=[("", "Any"), *Gender.choices]
    )
    language = forms.CharField(label="Speaks", required=False, max_length=50)
    max_circles = forms.IntegerField(
        label="Holding at most this many circles", required=False, min_value=0, max_value=10
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("match", "Best match first"),
            ("circles", "Fewest circles first"),
            ("name", "Surname"),
            ("dbs", "DBS recheck due soonest"),
        ],
    )

    def __init__(self, *args, circle=None, **kwargs):
        super().__init__(*args, **kwargs)
        if circle is not None:
            when = f"{circle.get_weekday_display()} {DAY_PARTS[day_part_of(circle.meeting_time)]}"
            self.fields["free"].label = f"Free on {when}s (the circle's meeting time)"
            district = circle.core_member.home_district
            if district:
                self.fields["near"].label = f"Lives in or travels to {district}"
            else:
                self.fields["near"].help_text = "The Core Member's home district is not recorded."


class MembershipAddForm(forms.Form):
    """One volunteer with a role (a row's Add button), or several ticked at once."""

    # Bounded, so a hostile id is a form error rather than a database overflow.
    volunteer = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1, required=False
    )
    role = forms.ChoiceField(choices=CircleMembership.Role.choices, required=False)
    volunteers = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Volunteers to add",
        empty_value=[],
        error_messages={"invalid_choice": "No such volunteer: %(value)s."},
    )
    primary = forms.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, label="Primary volunteer"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is a choice: the service says which are not in the pool.
        self.fields["volunteers"].valid_value = lambda value: True

    def clean_volunteers(self):
        values = self.cleaned_data["volunteers"]
        if any(not 1 <= value <= 2**63 - 1 for value in values):
            raise forms.ValidationError("No such volunteer.")
        if len(values) > MAX_VOLUNTEERS:
            raise forms.ValidationError(f"A circle has at most {MAX_VOLUNTEERS} volunteers.")
        return values

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("volunteers"):
            ids = data["volunteers"]
            if len(set(ids)) != len(ids):
                raise forms.ValidationError("Each volunteer can be ticked once.")
            if data.get("primary") and data["primary"] not in ids:
                self.add_error("primary", "Tick the primary volunteer too.")
        elif data.get("volunteer"):
            data["volunteers"] = [data["volunteer"]]
            if data.get("role") == CircleMembership.Role.PRIMARY:
                data["primary"] = data["volunteer"]
            else:
                data["primary"] = None
        else:
            raise forms.ValidationError("Tick at least one volunteer to add.")
        return data


class MembershipEndForm(forms.Form):
    reason = forms.CharField(label="Why the volunteer is leaving", required=False, max_length=300)


class EndCircleForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "—"), *Circle.EndReason.choices], label="Why it ended")
    ended_on = forms.DateField(widget=DateInput, label="End date", initial=today)
    outcome_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        label="Outcome",
        help_text="What was achieved, what happens next for the Core Member.",
    )

    def __init__(self, *args, circle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.circle = circle

    def clean_ended_on(self):
        ended_on = not_in_future(self.cleaned_data["ended_on"])
        launched_on = self.circle.launched_on if self.circle else None
        if launched_on and ended_on < launched_on:
            raise forms.ValidationError(f"The circle launched on {launched_on:%d %B %Y}.")
        return ended_on


STEP_DOWN_FREQUENCIES = [(Frequency.FORTNIGHTLY, "Fortnightly"), (Frequency.MONTHLY, "Monthly")]


class StepDownFields(forms.Form):
    """What a step-down decides: how often from when, the planned end, the next review."""

    frequency = forms.ChoiceField(
        label="New frequency", choices=[("", "—"), *STEP_DOWN_FREQUENCIES], required=False
    )
    from_date = forms.DateField(
        widget=DateInput,
        label="Meeting at the new frequency from",
        required=False,
        help_text="Group meetings from this date are rescheduled; earlier ones stay.",
    )
    planned_end_on = forms.DateField(
        widget=DateInput,
        label="Planned end",
        required=False,
        help_text="Leave as it is to keep the planned end.",
    )
    next_review_on = forms.DateField(widget=DateInput, label="Next review", required=False)

    STEP_FIELDS = ("frequency", "from_date", "planned_end_on", "next_review_on")

    def __init__(self, *args, circle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.circle = circle
        if circle is not None:
            self.fields["planned_end_on"].initial = circle.planned_end_on

    def step_down_required(self):
        return True

    def clean(self):
        cleaned = super().clean()
        if not self.step_down_required():
            return cleaned
        for name in ("frequency", "from_date", "next_review_on"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, "This field is required for a step-down.")
        frequency = cleaned.get("frequency")
        order = list(Frequency.values)  # weekly, fortnightly, monthly
        current = self.circle.frequency if self.circle is not None else None
        if frequency and current and order.index(frequency) <= order.index(current):
            self.add_error(
                "frequency",
                f"The circle meets {self.circle.get_frequency_display().lower()} now: "
                "a step-down meets less often.",
            )
        from_date = cleaned.get("from_date")
        if from_date and from_date < timezone.localdate():
            self.add_error("from_date", "Choose today or a later date.")
        end = cleaned.get("planned_end_on")
        if from_date and end and end <= from_date:
            self.add_error("planned_end_on", "The planned end is after the step-down.")
        review = cleaned.get("next_review_on")
        if review and review < timezone.localdate():
            self.add_error("next_review_on", "Choose today or a later date.")
        return cleaned

    def step_down(self):
        return {name: self.cleaned_data.get(name) for name in self.STEP_FIELDS}


class StepDownForm(StepDownFields):
    frequency = forms.ChoiceField(label="New frequency", choices=STEP_DOWN_FREQUENCIES)
    from_date = forms.DateField(
        widget=DateInput,
        label="Meeting at the new frequency from",
        initial=today,
        help_text="Group meetings from this date are rescheduled; earlier ones stay.",
    )
    next_review_on = forms.DateField(widget=DateInput, label="Next review")


class ReviewForm(StepDownFields):
    completed_on = forms.DateField(widget=DateInput, label="Review date", initial=today)
    attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, help_text="Who took part."
    )
    progress_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        label="Progress against the covenant goals",
    )
    decision = forms.ChoiceField(choices=[("", "—"), *ReviewMilestone.Decision.choices])

    end_reason = forms.ChoiceField(
        choices=[("", "—"), *Circle.EndReason.choices],
        label="If ending: why",
        required=False,
    )
    outcome_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        label="If ending: the outcome",
        required=False,
        help_text="What was achieved, what happens next for the Core Member.",
    )

    def clean_completed_on(self):
        return not_in_future(self.cleaned_data["completed_on"])

    field_order = [
        "completed_on",
        "attendees",
        "progress_notes",
        "decision",
        "end_reason",
        "outcome_notes",
        *StepDownFields.STEP_FIELDS,
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.STEP_FIELDS:
            field = self.fields[name]
            field.label = f"If stepping down: {field.label[0].lower()}{field.label[1:]}"

    def step_down_required(self):
        return self.data.get("decision") == ReviewMilestone.Decision.STEP_DOWN

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == ReviewMilestone.Decision.END:
            if not cleaned.get("end_reason"):
                self.add_error("end_reason", "Say why the circle is ending.")
            if not cleaned.get("outcome_notes", "").strip():
                self.add_error("outcome_notes", "Record the outcome of the circle.")
        return cleaned


class LaunchForm(forms.Form):
    launched_on = forms.DateField(
        widget=DateInput,
        label="Launch date",
        initial=today,
        help_text="Today, a past date or a future one; reviews fall due 3, 6, 9 and 12 "
        "months after it.",
    )
    first_meeting_on = forms.DateField(
        widget=DateInput,
        label="First meeting",
        required=False,
        help_text="Leave empty for the first meeting day on or after the launch date.",
    )

    def __init__(self, *args, circle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.circle = circle
        if circle is not None:
            self.fields["first_meeting_on"].help_text = (
                f"Leave empty for the first {circle.get_weekday_display()} on or after the "
                "launch date."
            )

    def clean(self):
        cleaned = super().clean()
        launched_on, first = cleaned.get("launched_on"), cleaned.get("first_meeting_on")
        if launched_on and first and first < launched_on:
            self.add_error("first_meeting_on", "The first meeting is on or after the launch.")
        if self.circle is not None and first and first.weekday() != self.circle.weekday:
            self.add_error(
                "first_meeting_on",
                f"The circle meets on {self.circle.get_weekday_display()}s: choose one, or "
                "change the meeting pattern first.",
            )
        return cleaned


class MeetingWhenForm(forms.Form):
    """A local date and time, as one aware start (``cleaned_data["starts_at"]``)."""

    on = forms.DateField(widget=DateInput, label="Date")
    at = forms.TimeField(widget=TimeInput(format="%H:%M"), label="Time (UK time)")

    def clean(self):
        from circles import scheduling

        cleaned = super().clean()
        if cleaned.get("on") and cleaned.get("at"):
            starts_at = scheduling.local_to_utc(cleaned["on"], cleaned["at"])
            if starts_at <= timezone.now():
                self.add_error("on", "Choose a time in the future.")
            cleaned["starts_at"] = starts_at
        return cleaned


class MeetingAddForm(MeetingWhenForm):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[
            (Meeting.Kind.ONE_TO_ONE, "One-to-one"),
            (Meeting.Kind.REVIEW, "Review meeting"),
            (Meeting.Kind.EMERGENCY, "Emergency meeting"),
        ],
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=5, max_value=MAX_MEETING_MINUTES, initial=90
    )
    venue = forms.CharField(max_length=200, required=False, help_text="Empty: the usual venue.")

    field_order = ["kind", "on", "at", "duration_minutes", "venue"]


class MeetingMoveForm(MeetingWhenForm):
    venue = forms.CharField(max_length=200, required=False, help_text="Empty: keep the venue.")
    reason = forms.CharField(
        label="Why the meeting moves",
        max_length=300,
        help_text="The volunteers see this on the circle's meetings.",
    )


class MeetingCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why the meeting is cancelled",
        max_length=300,
        help_text="The volunteers see this on the circle page.",
    )


class ConfirmForm(forms.Form):
    """A confirmation step with nothing to fill in (step down, resume)."""


class CircleListForm(forms.Form):
    """Search, filter and sort the circle list (GET)."""

    SORTS = {
        "status": ("status", "name", "pk"),
        "name": ("name", "pk"),
        "launched": ("-launched_on", "name", "pk"),
        "end": ("planned_end_on", "name", "pk"),
    }

    q = forms.CharField(
        label="Search by circle, reference or surname", required=False, max_length=100
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All"), ("open", "Open (not ended)"), *Circle.Status.choices],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("status", "Status"),
            ("name", "Name"),
            ("launched", "Most recently launched"),
            ("end", "Planned end, soonest"),
        ],
    )


class CoordinatorChangeForm(forms.Form):
    coordinator = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="New coordinator",
        help_text="They get the circle and the Core Member's record; the previous one loses both.",
    )

    def __init__(self, *args, circle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = User.objects.filter(
            role=User.Role.COORDINATOR, is_active=True
        ).exclude(pk=circle.coordinator_id)


class CaseloadForm(forms.Form):
    """The coordinator taking a departing coordinator's whole caseload."""

    to = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Coordinator taking the caseload",
        error_messages={"invalid_choice": "Choose an active coordinator from the list."},
    )

    def __init__(self, *args, coordinator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
            .exclude(pk=coordinator.pk)
            .order_by("last_name", "first_name", "pk")
        )
