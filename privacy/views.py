"""Data-subject rights and retention pages for the service manager (data protection lead)."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from coreMembers.access import core_member_for_user
from coreMembers.models import CoreMember
from cosa.views import paginate, roles_required
from privacy import retention
from privacy.models import ErasureLog


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


def _managed_core_member(request, pk):
    """404 for those who may not see the record; 403 for those who see it but are not managers."""
    core_member = core_member_for_user(request.user, pk)
    if not request.user.is_manager:
        raise PermissionDenied("Only a service manager can do this.")
    return core_member


@require_GET
@roles_required(User.Role.MANAGER)
def privacy_index(request):
    due = retention.retention_due()
    held = CoreMember.objects.filter(legal_hold=True).order_by("legal_hold_since")
    erasures = paginate(request, ErasureLog.objects.select_related("erased_by"))
    return render(
        request,
        "privacy/index.html",
        {"due": due, "held": held, "erasures": erasures},
    )


@require_GET
def privacy_record(request, pk):
    core_member = _managed_core_member(request, pk)
    closed = retention.closed_on(core_member)
    return render(
        request,
        "privacy/record.html",
        {
            "core_member": core_member,
            "closed_on": closed,
            "due_on": retention.retention_due_on(core_member),
            "hold_form": LegalHoldForm(),
            "erase_form": EraseForm(core_member=core_member),
        },
    )


@require_GET
def subject_access(request, pk):
    core_member = _managed_core_member(request, pk)
    log_access(request, AccessLog.Action.EXPORT, core_member, detail="subject access export")
    data = retention.subject_access_export(core_member)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"subject-access-{core_member.reference}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def legal_hold(request, pk):
    core_member = _managed_core_member(request, pk)
    try:
        if request.POST.get("action") == "release":
            retention.legal_hold_release(core_member=core_member, acting_user=request.user)
            messages.success(request, f"The legal hold on {core_member.reference} is released.")
        else:
            form = LegalHoldForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["reason"])
            retention.legal_hold_set(
                core_member=core_member,
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, f"{core_member.reference} is on legal hold.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("privacy:privacy_record", pk=core_member.pk)


@require_POST
def erase(request, pk):
    core_member = _managed_core_member(request, pk)
    form = EraseForm(request.POST, core_member=core_member)
    if form.is_valid():
        try:
            log = retention.core_member_erase(
                core_member=core_member,
                acting_user=request.user,
                basis=ErasureLog.Basis.REQUEST,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"{log.reference} is erased; the erasure is logged.")
            return redirect("privacy:privacy")
    return render(
        request,
        "privacy/record.html",
        {
            "core_member": core_member,
            "closed_on": retention.closed_on(core_member),
            "due_on": retention.retention_due_on(core_member),
            "hold_form": LegalHoldForm(),
            "erase_form": form,
        },
        status=400,
    )
