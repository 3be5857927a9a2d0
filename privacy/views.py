"""Data-subject rights and retention pages for the service manager (data protection lead)."""

import itertools
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from coreMembers.access import core_member_for_user
from coreMembers.models import CoreMember
from cosa.views import csv_streaming_response, paginate, paginate_counted, roles_required
from formpages import tokens
from formpages.pages import form_page
from privacy import retention
from privacy.access import audit_trail_reader, sees_sensitive_audit_values
from privacy.audit_trail import resolve, trail_entries
from privacy.forms import AuditFilterForm, EraseForm, LegalHoldForm
from privacy.models import ErasureLog


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


def _armed(form):
    """A form of the record's page drawn on a GET: it carries a one-time token too."""
    if not getattr(form, "once_token", ""):
        form.once_token = tokens.new()
    return form


def _record_page(request, core_member, *, erase_form=None, status=200):
    return render(
        request,
        "privacy/record.html",
        {
            "core_member": core_member,
            "closed_on": retention.closed_on(core_member),
            "due_on": retention.retention_due_on(core_member),
            "hold_form": _armed(LegalHoldForm()),
            "release_form": _armed(forms.Form()),
            "erase_form": _armed(erase_form or EraseForm(core_member=core_member)),
        },
        status=status,
    )


@require_GET
def privacy_record(request, pk):
    core_member = _managed_core_member(request, pk)
    return _record_page(request, core_member)


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


def _refused(request, form, core_member):
    """The hold has nothing worth redrawing: its refusal is a message on the record's page."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("privacy:privacy_record", pk=core_member.pk)


@require_POST
def legal_hold(request, pk):
    core_member = _managed_core_member(request, pk)
    releasing = request.POST.get("action") == "release"

    def save(form):
        if releasing:
            retention.legal_hold_release(core_member=core_member, acting_user=request.user)
        else:
            retention.legal_hold_set(
                core_member=core_member,
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
            )

    if releasing:
        form = forms.Form(request.POST)
        message = f"The legal hold on {core_member.reference} is released."
    else:
        form = LegalHoldForm(request.POST)
        message = f"{core_member.reference} is on legal hold."
    return form_page(
        request,
        form,
        save=save,
        success_url=reverse("privacy:privacy_record", args=[core_member.pk]),
        message=message,
        render_with=lambda form: _refused(request, form, core_member),
        about=core_member,
    )


@require_POST
def erase(request, pk):
    core_member = _managed_core_member(request, pk)
    return form_page(
        request,
        EraseForm(request.POST, core_member=core_member),
        save=lambda form: retention.core_member_erase(
            core_member=core_member,
            acting_user=request.user,
            basis=ErasureLog.Basis.REQUEST,
            reason=form.cleaned_data["reason"],
        ),
        success_url=reverse("privacy:privacy"),
        message=lambda log: f"{log.reference} is erased; the erasure is logged.",
        # A refused erasure is a bad request: the page again, with the form's errors.
        render_with=lambda form: _record_page(request, core_member, erase_form=form, status=400),
        about=core_member,
    )


# The audit trail ---------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50
# The export streams every matching entry, however many: read from one cursor this many
# rows at a time, each chunk's objects and people named in bulk like a page's.
AUDIT_EXPORT_CHUNK = 500


@require_GET
def audit(request):
    """The manager's audit trail: who read, exported, shared or changed what, and when."""
    user = audit_trail_reader(request.user)
    form = AuditFilterForm(request.GET)
    page = entries = None
    if form.is_valid():
        trail = trail_entries(form.trail_filter())
        page = paginate_counted(request, trail, per_page=AUDIT_PAGE_SIZE, count_apart=True)
        entries = resolve(page.object_list, show_sensitive=sees_sensitive_audit_values(user))
        log_access(request, AccessLog.Action.LIST, detail=f"audit trail: {form.described()}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit.html",
        {
            "form": form,
            "page": page,
            "entries": entries,
            "sees_sensitive": sees_sensitive_audit_values(user),
            "export_query": query.urlencode(),
        },
        status=200 if form.is_valid() else 400,
    )


@require_GET
def audit_export(request):
    """The filtered trail as CSV, every matching entry, streamed; the export is itself
    written to the trail first (committed before the first row is sent)."""
    user = audit_trail_reader(request.user)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "privacy/audit.html",
            {"form": form, "page": None, "entries": None, "export_query": ""},
            status=400,
        )
    log_access(request, AccessLog.Action.EXPORT, detail=f"audit-trail.csv: {form.described()}")
    trail = trail_entries(form.trail_filter())
    show_sensitive = sees_sensitive_audit_values(user)

    def chunks():
        # One cursor over the whole trail: no OFFSET re-reading the rows before each chunk.
        found = trail.iterator(chunk_size=AUDIT_EXPORT_CHUNK)
        while chunk := list(itertools.islice(found, AUDIT_EXPORT_CHUNK)):
            yield chunk

    def rows():
        for chunk in chunks():
            for entry in resolve(chunk, show_sensitive=show_sensitive):
                yield (
                    f"{timezone.localtime(entry.at):%d/%m/%Y %H:%M:%S}",
                    entry.who,
                    entry.role,
                    entry.what,
                    entry.happened,
                    entry.description,
                    "; ".join(f"{c.field}: {c.old} → {c.new}" for c in entry.changes),
                    entry.detail,
                )

    header = ["when (UK time)", "who", "role", "what", "happened", "object", "changes", "detail"]
    return csv_streaming_response("audit-trail.csv", header, rows())
