from django import forms

from circles.models import Circle
from cosa.forms import DateInput
from cosa.uploads import validate_document
from volunteering.models import MAX_PENCE_PER_MILE, ExpenseClaim

# Receipts arrive as photos or PDFs: the referral documents' checks, narrowed to those.
RECEIPT_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg")


class CircleNameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # The circle's name only: never the Core Member reference its __str__ carries.
        return obj.name


class ClaimForm(forms.Form):
    # No text area, but a claim is typed from a receipt: an idle logout keeps it as a
    # draft (the receipt itself is chosen again; files are never kept in drafts).
    keeps_draft = True

    kind = forms.ChoiceField(
        label="What are you claiming?",
        choices=ExpenseClaim.Kind.choices,
        widget=forms.RadioSelect,
        initial=ExpenseClaim.Kind.MILEAGE,
    )
    circle = CircleNameChoiceField(label="For which circle", queryset=Circle.objects.none())
    incurred_on = forms.DateField(label="Date", widget=DateInput)
    description = forms.CharField(
        label="What it was for", max_length=200, help_text="For example: drive to the meeting"
    )
    miles = forms.DecimalField(
        label="Miles driven (mileage)",
        required=False,
        min_value=0.1,
        max_value=2000,
        decimal_places=1,
        max_digits=6,
    )
    amount = forms.DecimalField(
        label="Amount in £ (receipt)",
        required=False,
        min_value=0.01,
        max_value=5000,
        decimal_places=2,
        max_digits=8,
    )
    receipt = forms.FileField(
        label="Receipt (PDF or photo)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(RECEIPT_EXTENSIONS)}),
    )

    def __init__(self, *args, volunteer, pence_per_mile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circle"].queryset = (
            Circle.objects.filter(memberships__volunteer=volunteer).distinct().order_by("name")
        )
        self.fields["miles"].help_text = f"Paid at {pence_per_mile}p a mile."

    def clean_receipt(self):
        upload = self.cleaned_data.get("receipt")
        if not upload:
            return upload
        name = (upload.name or "").lower()
        if not name.endswith(RECEIPT_EXTENSIONS):
            raise forms.ValidationError("Upload the receipt as a PDF, PNG or JPEG.")
        return validate_document(upload)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ExpenseClaim.Kind.MILEAGE and not data.get("miles"):
            self.add_error("miles", "Enter the miles driven.")
        if kind == ExpenseClaim.Kind.RECEIPT:
            if not data.get("amount"):
                self.add_error("amount", "Enter the amount on the receipt.")
            if not data.get("receipt") and "receipt" not in self.errors:
                self.add_error("receipt", "Upload the receipt.")
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (needed to refuse)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the claim is refused.")
        return data


class DebriefForm(forms.Form):
    held_on = forms.DateField(label="Debrief held on", widget=DateInput)


class MileageRateForm(forms.Form):
    pence_per_mile = forms.IntegerField(
        label="Pence per mile",
        min_value=1,
        max_value=MAX_PENCE_PER_MILE,
        help_text="A whole number of pence, for example 45.",
    )
    effective_from = forms.DateField(
        label="In force from",
        widget=DateInput,
        help_text="Journeys on or after this date are paid at the new rate.",
    )
