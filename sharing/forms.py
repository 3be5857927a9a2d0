"""Forms for shared records: compose (and addendum, and a draft's edit), acknowledge,
decline an override, and the inbox filter. Forms validate input; services decide."""

from django import forms

from sharing.models import InformationSharingRecord
from sharing.services import eligible_recipients

Record = InformationSharingRecord


class RecipientsField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, eligible_ids=(), **kwargs):
        self.eligible_ids = set(eligible_ids)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, user):
        label = f"{user.get_full_name()} ({user.agency or 'no agency'})"
        if user.pk not in self.eligible_ids:
            label += ": not covered by the sharing agreement, override only"
        return label


class RecordForm(forms.Form):
    """What the coordinator writes; recipients are the liaisons assigned to the Core Member."""

    category = forms.ChoiceField(choices=Record.Category.choices)
    urgency = forms.ChoiceField(
        choices=Record.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Record.Urgency.ROUTINE,
        help_text="Urgent means imminent risk: acknowledgement is due within hours.",
    )
    summary = forms.CharField(
        max_length=300,
        help_text="One line the liaison sees in their inbox. Facts, not opinions.",
    )
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    legal_basis = forms.ChoiceField(
        choices=Record.LegalBasis.choices,
        widget=forms.RadioSelect,
        initial=Record.LegalBasis.CONSENT,
        help_text="An override is sent only after a second person (a manager or another "
        "coordinator) approves it.",
    )
    override_reason = forms.CharField(
        label="Reason for the public-protection override",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args, core_member, **kwargs):
        super().__init__(*args, **kwargs)
        eligible, assigned = eligible_recipients(core_member)
        self.eligible_ids = set(eligible.values_list("pk", flat=True))
        self.fields["recipients"] = RecipientsField(
            queryset=assigned.order_by("last_name", "first_name"),
            eligible_ids=self.eligible_ids,
            widget=forms.CheckboxSelectMultiple,
            help_text="Liaisons assigned to this Core Member.",
        )
        if not assigned.exists():
            self.fields[
                "recipients"
            ].help_text = "No liaison is assigned to this Core Member: assign one first."

    def clean(self):
        data = super().clean()
        basis = data.get("legal_basis")
        if basis == Record.LegalBasis.PUBLIC_PROTECTION:
            if not (data.get("override_reason") or "").strip():
                self.add_error("override_reason", "An override needs a written reason.")
        elif basis == Record.LegalBasis.CONSENT and not self.eligible_ids:
            self.add_error(
                "legal_basis",
                "There is no current sharing agreement covering any assigned liaison (none "
                "signed, or withdrawn or expired): nothing can be shared on consent.",
            )
        elif basis == Record.LegalBasis.CONSENT:
            refused = [u for u in data.get("recipients", []) if u.pk not in self.eligible_ids]
            if refused:
                names = ", ".join(user.get_full_name() for user in refused)
                self.add_error(
                    "recipients",
                    f"The sharing agreement does not cover {names}: choose the override "
                    "or leave them out.",
                )
        return data

    def service_fields(self):
        data = self.cleaned_data
        return {
            "category": data["category"],
            "urgency": data["urgency"],
            "summary": data["summary"],
            "details": data["details"],
            "legal_basis": data["legal_basis"],
            "override_reason": data["override_reason"],
        }


class AcknowledgeForm(forms.Form):
    response = forms.CharField(
        label="Your response or the action you have taken",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why the override should not be sent",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=90,
        help_text="Kept in the record's history and told to the author.",
    )


class RecordFilterForm(forms.Form):
    """The inbox filter: Core Member (by reference), urgency and, for staff, status.

    A reference box rather than a list of Core Members keeps the page's queries fixed.
    """

    core_member = forms.CharField(
        required=False,
        max_length=20,
        label="Core Member reference",
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "CM-000123"}),
    )
    urgency = forms.ChoiceField(
        choices=[("", "Any urgency"), *Record.Urgency.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Record.Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_liaison:
            del self.fields["status"]  # a liaison only ever sees shared records

    def filter(self, records):
        if not self.is_valid():
            return records
        data = self.cleaned_data
        if data.get("core_member", "").strip():
            records = records.filter(core_member__reference__iexact=data["core_member"].strip())
        if data.get("urgency"):
            records = records.filter(urgency=data["urgency"])
        if data.get("status"):
            records = records.filter(status=data["status"])
        return records

    @property
    def active(self):
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())
