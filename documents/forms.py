"""Forms for filing a document and recording a DBS decision. Forms validate; services act."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from cosa.forms import DateInput
from cosa.uploads import DocumentField
from documents.models import DBSDecision, Document


def _helper():
    """Crispy draws the fields; the template draws the <form> and its button."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class DocumentForm(forms.Form):
    category = forms.ChoiceField(label="Kind of document")
    document_date = forms.DateField(
        label="Date of the document", widget=DateInput, help_text="The date it bears."
    )
    title = forms.CharField(max_length=200, required=False, help_text="Default: the file's name.")
    file = DocumentField()

    def __init__(self, *args, kind, **kwargs):
        # Its own ids: the form sits on record pages beside other forms.
        kwargs.setdefault("auto_id", "document_%s")
        super().__init__(*args, **kwargs)
        labels = dict(Document.Category.choices)
        self.fields["category"].choices = [
            ("", "Choose…"),
            *((value, labels[value]) for value in Document.CATEGORIES_FOR[kind]),
        ]
        self.helper = _helper()

    def clean_document_date(self):
        value = self.cleaned_data["document_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return value


class DBSDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("", "Choose…"), *DBSDecision.Decision.choices])
    scan = DocumentField(
        label="Scan of the certificate (optional)",
        required=False,
        help_text="Deleted automatically six months after upload. PDF or image, up to 10 MB.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
