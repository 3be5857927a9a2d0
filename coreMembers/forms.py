"""Forms for referrals and the Core Member record. Forms validate; services act."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils import timezone

from accounts.models import Agency, User
from coreMembers import rules
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaCategory,
    MappaLevel,
    Referral,
    RiskAssessment,
)
from cosa import uploads
from cosa.districts import parse_districts
from cosa.forms import DateInput

# Referral documents: at most this many in one form (each checked by cosa.uploads).
DOCUMENT_MAX_FILES = uploads.MAX_FILES


def _not_future(value, what="This date"):
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"{what} cannot be in the future.")
    return value


class CrispyForm:
    """Crispy helper that lets the template draw the <form> and its buttons."""

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        return helper


# Referrals -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleDocumentField(forms.FileField):
    """Several uploads in one field, each checked for type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": uploads.ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > DOCUMENT_MAX_FILES:
            raise forms.ValidationError(f"Upload at most {DOCUMENT_MAX_FILES} documents at once.")
        return [
            uploads.validate_document(super(MultipleDocumentField, self).clean(f, initial))
            for f in files
        ]


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All"), ("open", "Open (received or assessing)"), *Referral.Status.choices],
        required=False,
        label="State",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    q = forms.CharField(label="Reference or name", required=False, max_length=100)

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        if acting_user.is_manager:
            # Referrals nobody has picked up yet (a liaison's, or left unassigned).
            choices = list(self.fields["status"].choices)
            choices.insert(2, ("unassigned", "Open and unassigned"))
            self.fields["status"].choices = choices


class ReferralForm(CrispyForm, forms.Form):
    """A new referral: the Core Member's identity (unless re-referred), then the referral."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    preferred_name = forms.CharField(max_length=100, required=False, label="Known as")
    date_of_birth = forms.DateField(widget=DateInput)
    probation_crn = forms.CharField(max_length=20, required=False, label="Probation CRN")
    source_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Referring agency")
    referrer_name = forms.CharField(max_length=200, label="Referrer's name")
    referrer_email = forms.EmailField(required=False, label="Referrer's e-mail")
    received_on = forms.DateField(widget=DateInput, label="Date received")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        label="Reason for referral",
        help_text="Why a circle, and why now.",
    )
    coordinator = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text="Leave empty to assign later.",
    )
    documents = MultipleDocumentField(
        required=False,
        help_text="PDF, Word, OpenDocument, text or image files, up to 10 MB each, five at most.",
    )

    IDENTITY_FIELDS = (
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "probation_crn",
    )

    def __init__(self, *args, acting_user, core_member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.core_member = core_member
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["source_agency"].queryset = Agency.objects.order_by("name")
        if core_member is not None:
            for name in self.IDENTITY_FIELDS:
                del self.fields[name]
        if acting_user.is_liaison:
            # A liaison refers their own case: their agency, their name, received today.
            for name in ("source_agency", "referrer_name", "referrer_email", "received_on"):
                del self.fields[name]
            del self.fields["coordinator"]
        elif acting_user.is_coordinator:
            # A coordinator's own referrals are theirs; managers assign.
            del self.fields["coordinator"]
        else:
            self.fields["coordinator"].queryset = User.objects.filter(
                role=User.Role.COORDINATOR, is_active=True
            ).order_by("first_name", "last_name")
        self.helper.layout = self._layout()

    def _layout(self):
        person = [name for name in self.IDENTITY_FIELDS if name in self.fields]
        rest = [name for name in self.fields if name not in person]
        parts = [Fieldset("The person referred", *person)] if person else []
        return Layout(*parts, Fieldset("The referral", *rest))

    def clean(self):
        data = super().clean()
        if self.core_member is not None and self.core_member.status not in (
            CoreMember.Status.ENDED,
            CoreMember.Status.NOT_ACCEPTED,
        ):
            raise forms.ValidationError(
                f"{self.core_member.reference} is “{self.core_member.get_status_display()}”: "
                "refer again only after a circle has ended or a referral was not accepted."
            )
        return data

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate() - datetime.timedelta(days=365 * 10):
            raise forms.ValidationError("Check the date of birth.")
        return value

    def clean_received_on(self):
        return _not_future(self.cleaned_data["received_on"], "The date received")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the person is being referred.")
        return reason

    def core_member_details(self):
        if self.core_member is not None:
            return None
        return {name: self.cleaned_data[name] for name in self.IDENTITY_FIELDS}


class ReferralDecisionForm(CrispyForm, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, required=False
    )

    def __init__(self, *args, reason_required=False, reason_label="Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = "Give a reason."
        self.fields["reason"].label = reason_label

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if self.fields["reason"].required and not reason:
            raise forms.ValidationError("Give a reason.")
        return reason


class CoordinatorForm(CrispyForm, forms.Form):
    coordinator = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["coordinator"].queryset = User.objects.filter(
            role=User.Role.COORDINATOR, is_active=True
        ).order_by("first_name", "last_name")


# The Core Member record -----------------------------------------------------------------


class RiskAssessmentForm(CrispyForm, forms.Form):
    tool = forms.ChoiceField(choices=[("", "—"), *RiskAssessment.Tool.choices])
    score = forms.CharField(max_length=20, required=False, help_text=rules.risk_score_help())
    band = forms.ChoiceField(choices=[("", "—"), *RiskAssessment.Band.choices])
    assessed_on = forms.DateField(widget=DateInput, label="Date of assessment")
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Assessing agency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["agency"].queryset = Agency.objects.order_by("name")

    def clean_assessed_on(self):
        return _not_future(self.cleaned_data["assessed_on"], "An assessment")

    def clean(self):
        data = super().clean()
        if data.get("tool"):
            data["score"], problems = rules.risk_assessment_problems(
                data["tool"], data.get("band", ""), data.get("score", "")
            )
            for field, message in problems.items():
                if field in data:
                    self.add_error(field, message)
        return data


class MappaForm(CrispyForm, forms.Form):
    category = forms.TypedChoiceField(
        choices=[("", "—"), *MappaCategory.choices], coerce=int, label="MAPPA category"
    )
    level = forms.TypedChoiceField(
        choices=[("", "—"), *MappaLevel.choices], coerce=int, label="MAPPA level"
    )
    effective_from = forms.DateField(widget=DateInput, label="Effective from")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["effective_from"].initial = timezone.localdate()

    def clean_effective_from(self):
        return _not_future(self.cleaned_data["effective_from"], "A MAPPA change")


class RecordForm(CrispyForm, forms.ModelForm):
    """Shows and validates the record's fields; ``services.core_member_update`` saves them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def _post_clean(self):
        # The service validates the whole record and saves it; the instance stays untouched
        # here so a refused change leaves nothing half-applied.
        pass


class IdentityForm(RecordForm):
    class Meta:
        model = CoreMember
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "needs_and_adaptations",
        ]
        widgets = {
            "date_of_birth": DateInput,
            "needs_and_adaptations": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"preferred_name": "Known as"}
        help_texts = {
            "needs_and_adaptations": "Learning needs, disability, language, faith, access.",
        }


class StatutoryForm(RecordForm):
    class Meta:
        model = CoreMember
        fields = [
            "probation_crn",
            "pnc_reference",
            "visor_reference",
            "notification_start",
            "notification_end",
            "notification_indefinite",
            "licence_end",
            "has_shpo",
            "shpo_end",
            "shpo_prohibitions",
            "offence_summary",
        ]
        widgets = {
            "notification_start": DateInput,
            "notification_end": DateInput,
            "licence_end": DateInput,
            "shpo_end": DateInput,
            "shpo_prohibitions": forms.Textarea(attrs={"rows": 3}),
            "offence_summary": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"notification_indefinite": "Notification is indefinite"}
        help_texts = {
            "offence_summary": "Coordinators and managers only; never shown to volunteers.",
        }

    def clean(self):
        data = super().clean()
        if data.get("notification_indefinite") and data.get("notification_end"):
            self.add_error("notification_end", "An indefinite notification has no end date.")
        if data.get("shpo_end") and not data.get("has_shpo"):
            self.add_error("shpo_end", "A SHPO end date needs a SHPO.")
        if data.get("shpo_prohibitions") and not data.get("has_shpo"):
            self.add_error("shpo_prohibitions", "Prohibitions need a SHPO.")
        return data


class DistrictListField(forms.CharField):
    """A list of postcode districts typed as "LS6, LS7"; shown back the same way."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return parse_districts(super().to_python(value))

    def has_changed(self, initial, data):
        try:
            return (initial or []) != self.to_python(data)
        except forms.ValidationError:
            return True


class AreasForm(RecordForm):
    """Where he lives and where he must not go, as postcode districts (staff only)."""

    home_district = forms.CharField(
        label="Home postcode district",
        required=False,
        max_length=20,
        help_text="The first half of his postcode, e.g. LS6.",
    )
    exclusion_districts = DistrictListField(
        label="Exclusion areas",
        required=False,
        max_length=400,
        help_text=(
            "Licence or SHPO exclusion zones and victims' areas, as postcode districts "
            "(LS6, LS7). Coordinators and managers only: volunteers living in or declaring a "
            "conflict with one of them are kept out of his circle's matching pool."
        ),
    )

    class Meta:
        model = CoreMember
        fields = ["home_district", "exclusion_districts"]

    def clean_home_district(self):
        districts = parse_districts(self.cleaned_data["home_district"])
        if len(districts) > 1:
            raise forms.ValidationError("Give the one district he lives in.")
        return districts[0] if districts else ""


class SharingAgreementForm(CrispyForm, forms.Form):
    signed_on = forms.DateField(widget=DateInput, label="Signed on")
    expires_on = forms.DateField(widget=DateInput, label="Expires on")
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Agencies in scope",
        help_text="Information may be shared on consent only with liaisons of these agencies.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["agencies"].queryset = Agency.objects.order_by("name")
        today = timezone.localdate()
        self.fields["signed_on"].initial = today
        self.fields["expires_on"].initial = today + datetime.timedelta(days=365)

    def clean_signed_on(self):
        return _not_future(self.cleaned_data["signed_on"], "The signature date")

    def clean(self):
        data = super().clean()
        signed, expires = data.get("signed_on"), data.get("expires_on")
        if signed and expires and expires <= signed:
            self.add_error("expires_on", "The agreement must expire after it is signed.")
        return data


class WithdrawAgreementForm(CrispyForm, forms.Form):
    withdrawn_on = forms.DateField(widget=DateInput, label="Consent withdrawn on")
    withdrawal_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Reason"
    )

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.agreement = agreement
        self.fields["withdrawn_on"].initial = timezone.localdate()

    def clean_withdrawn_on(self):
        value = _not_future(self.cleaned_data["withdrawn_on"], "A withdrawal")
        if value < self.agreement.signed_on:
            raise forms.ValidationError("An agreement cannot be withdrawn before it was signed.")
        return value

    def clean_withdrawal_reason(self):
        reason = self.cleaned_data["withdrawal_reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason


class LiaisonAssignForm(CrispyForm, forms.Form):
    liaison = forms.ModelChoiceField(queryset=User.objects.none())
    role = forms.ChoiceField(choices=[("", "—"), *LiaisonAssignment.Role.choices])
    started_on = forms.DateField(widget=DateInput, label="From")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.fields["liaison"].queryset = (
            User.objects.filter(role=User.Role.LIAISON, is_active=True)
            .select_related("agency")
            .order_by("agency__name", "last_name", "first_name")
        )
        self.fields["liaison"].label_from_instance = lambda user: (
            f"{user.get_full_name()} ({user.agency or 'no agency'})"
        )
        self.fields["started_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        liaison, role = data.get("liaison"), data.get("role")
        if liaison and role:
            problem = rules.liaison_role_problem(role, liaison.agency)
            if problem:
                self.add_error("role", problem)
        return data


class LiaisonEndForm(CrispyForm, forms.Form):
    ended_on = forms.DateField(widget=DateInput, label="Assignment ends on")

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.assignment = assignment
        self.fields["ended_on"].initial = timezone.localdate()

    def clean_ended_on(self):
        value = self.cleaned_data["ended_on"]
        if value < self.assignment.started_on:
            raise forms.ValidationError("The assignment cannot end before it started.")
        return value


class DocumentsForm(CrispyForm, forms.Form):
    documents = MultipleDocumentField(
        help_text="PDF, Word, OpenDocument, text or image files, up to 10 MB each, five at most."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
