"""Documents on a Core Member, a circle or a volunteer: list, add, download; DBS decisions.

Files are never served from a media URL: only these views, after the access check,
as attachments (cosa.uploads.attachment_response). Every download is logged as a read.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import log_access
from accounts.models import AccessLog
from cosa.uploads import attachment_response
from cosa.views import paginate, posted
from documents import services
from documents.access import (
    ADD,
    dbs_check_for_user,
    document_for_user,
    documents_of,
    may_add_document,
    owner_for_user,
)
from documents.forms import DBSDecisionForm, DocumentForm
from formpages import guard
from formpages.pages import form_page

PAGES = {
    "core_member": "core_members:detail",
    "circle": "circles:detail",
    "volunteer": "volunteers:detail",
}


def owner_label(kind, owner):
    if kind == "core_member":
        return owner.reference
    if kind == "circle":
        return owner.name
    return owner.user.get_full_name()


def _core_member_id(kind, owner):
    if kind == "core_member":
        return owner.pk
    if kind == "circle":
        return owner.core_member_id
    return None


def page_context(kind, owner):
    return {
        "kind": kind,
        "owner": owner,
        kind: owner,
        "owner_label": owner_label(kind, owner),
        "owner_url": reverse(PAGES[kind], args=[owner.pk]),
        "list_url": reverse(f"documents:{kind}_list", args=[owner.pk]),
        "add_url": reverse(f"documents:{kind}_add", args=[owner.pk]),
    }


@require_GET
def document_list(request, pk, *, kind):
    owner = owner_for_user(request.user, kind, pk)
    context = page_context(kind, owner)
    if kind != "volunteer":
        log_access(
            request,
            AccessLog.Action.LIST,
            owner,
            core_member_id=_core_member_id(kind, owner),
            detail="documents",
        )
    form = None
    if may_add_document(request.user, owner):
        form = guard.prepare(request, DocumentForm(kind=kind))
    context.update(page=paginate(request, documents_of(owner).for_list()), form=form)
    return render(request, "documents/list.html", context)


@require_http_methods(["GET", "POST"])
def document_add(request, pk, *, kind):
    owner = owner_for_user(request.user, kind, pk, ADD)
    context = page_context(kind, owner)
    return form_page(
        request,
        DocumentForm(posted(request), posted(request, files=True), kind=kind),
        save=lambda form: services.document_add(
            owner=owner, acting_user=request.user, **form.cleaned_data
        ),
        success_url=f"{context['owner_url']}#documents",
        message=lambda document: f"“{document.title}” added.",
        title=f"Add a document to {context['owner_label']}",
        back_url=context["owner_url"],
        back_label=f"Back to {context['owner_label']}",
        submit_label="Upload",
        **{kind: owner},
    )


@require_GET
def document_download(request, pk, doc_pk, *, kind):
    document = document_for_user(request.user, kind, pk, doc_pk)
    owner = getattr(document, kind)
    response = attachment_response(document.file, document.original_name)
    log_access(
        request,
        AccessLog.Action.VIEW,
        document,
        core_member_id=_core_member_id(kind, owner),
        detail=f"document: {document.title}",
    )
    return response


@require_http_methods(["GET", "POST"])
def dbs_decision(request, pk, check_pk):
    check = dbs_check_for_user(request.user, pk, check_pk, ADD)
    volunteer = check.volunteer
    url = reverse("volunteers:detail", args=[volunteer.pk])
    current = getattr(check, "decision", None)
    form = DBSDecisionForm(
        posted(request),
        posted(request, files=True),
        initial={"decision": current.decision} if current else None,
    )
    name = volunteer.user.get_full_name()
    return form_page(
        request,
        form,
        save=lambda form: services.dbs_decision_record(
            dbs_check=check,
            decision=form.cleaned_data["decision"],
            scan=form.cleaned_data["scan"] or None,
            acting_user=request.user,
        ),
        success_url=f"{url}#documents",
        message="DBS decision recorded.",
        title=f"Decision on DBS certificate {check.certificate_number}",
        subtitle=f"for {name}, issued {check.issued_on:%d %B %Y}",
        back_url=url,
        back_label=f"Back to {name}",
        submit_label="Record decision",
        volunteer=volunteer,
    )


@require_GET
def dbs_scan(request, pk, check_pk):
    check = dbs_check_for_user(request.user, pk, check_pk)
    decision = getattr(check, "decision", None)
    if decision is None or not decision.scan:
        raise Http404("No scan of this certificate is kept.")
    response = attachment_response(decision.scan, decision.scan_original_name or "dbs-scan")
    log_access(request, AccessLog.Action.VIEW, decision, detail="DBS certificate scan")
    return response
