"""Forms for the privacy pages: a legal hold's reason, an erasure's confirmation."""

from django import forms


class LegalHoldForm(forms.Form):
    reason = forms.CharField(label="Reason for the hold", max_length=300)


class EraseForm(forms.Form):
    reason = forms.CharField(label="Why is this record erased?", max_length=300)
    confirm_reference = forms.CharField(
        label="Type the Core Member's reference to confirm", max_length=20
    )

    def __init__(self, *args, core_member, **kwargs):
        super().__init__(*args, **kwargs)
        self.core_member = core_member

    def clean_confirm_reference(self):
        typed = self.cleaned_data["confirm_reference"].strip().upper()
        if typed != self.core_member.reference.upper():
            raise forms.ValidationError("That is not this record's reference.")
        return typed
