"""Forms for the privacy pages: a legal hold's reason, an erasure's confirmation."""

import datetime

from django import forms
from django.utils import timezone

from accounts.models import User, email_key
from coreMembers.models import CoreMember
from privacy.audit_trail import KINDS, NO_OBJECT, WHAT, TrailFilter


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


class AuditFilterForm(forms.Form):
    """The audit trail's filters. Every field is optional; a bad one is a clear error."""

    who = forms.CharField(label="Who (e-mail address)", required=False, max_length=254)
    kind = forms.ChoiceField(label="Kind of object", required=False)
    what = forms.ChoiceField(label="What happened", required=False)
    core_member = forms.CharField(label="Core Member (reference)", required=False, max_length=20)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(
        label="Or the last … days", required=False, min_value=1, max_value=3660
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            ("", "Any"),
            *sorted(((label, kind.name) for label, kind in KINDS.items()), key=lambda c: c[1]),
            (NO_OBJECT, "Sign-ins, lists and searches"),
        ]
        self.fields["what"].choices = [("", "Anything")] + [
            (value, label) for value, (label, _) in WHAT.items()
        ]
        for name in self.fields:
            css = "form-select" if name in ("kind", "what") else "form-control"
            self.fields[name].widget.attrs.setdefault("class", css)

    def clean_who(self):
        typed = email_key(self.cleaned_data["who"])
        if not typed:
            return None
        user = User.objects.filter(email=typed).first()
        if user is None:
            raise forms.ValidationError("Nobody has that e-mail address.")
        return user

    def clean_core_member(self):
        typed = self.cleaned_data["core_member"].strip().upper()
        if not typed:
            return None
        core_member = CoreMember.objects.filter(reference=typed).first()
        if core_member is None:
            raise forms.ValidationError("No Core Member has that reference.")
        return core_member

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        today = timezone.localdate()
        if start and start > today:
            self.add_error("date_from", "The start date cannot be in the future.")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        if data.get("days") and (start or end):
            self.add_error("days", "Give dates or a number of days, not both.")
        elif data.get("days"):
            # The last 90 days: today and the 89 days before it.
            data["date_from"] = today - datetime.timedelta(days=data["days"] - 1)
        return data

    def trail_filter(self):
        """The filter for ``privacy.audit_trail.trail_entries``: dates are whole days in
        UK local time (a day's end is the next local midnight, so clock changes count)."""
        data = self.cleaned_data

        def midnight(day):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

        start, end = data.get("date_from"), data.get("date_to")
        return TrailFilter(
            user=data.get("who"),
            kind=data.get("kind") or "",
            what=data.get("what") or "",
            core_member=data.get("core_member"),
            starts=midnight(start) if start else None,
            ends=midnight(end + datetime.timedelta(days=1)) if end else None,
        )

    def described(self):
        """The filters in words, for the access log and the page."""
        data = self.cleaned_data
        parts = []
        for name in ("who", "kind", "what", "core_member", "date_from", "date_to", "days"):
            value = data.get(name)
            if value:
                shown = getattr(value, "reference", None) or getattr(value, "email", None)
                parts.append(f"{name}={shown or value}")
        return " ".join(parts) or "everything"
