"""Shared records: compose, approve, inbox, acknowledge, print.

Every read of a record is access-logged; sharing, approving, declining and
acknowledging are logged too. Liaisons reach only records sent to them
(``records_visible_to``); staff reach the records of Core Members they hold.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, OuterRef, Prefetch, Q, Subquery, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles.models import Circle, Concern, Meeting
from coreMembers.access import CHANGE, core_member_for_user
from cosa import documents
from cosa.views import paginate, posted, roles_required
from formpages import tokens
from formpages.pages import form_page
from sharing import documents as record_documents
from sharing import services
from sharing.access import (
    RECORD_ACKNOWLEDGE,
    RECORD_CHANGE,
    core_members_covered_by,
    record_for_user,
    records_visible_to,
    with_viewer_cover,
)
from sharing.forms import (
    AcknowledgeForm,
    DeclineForm,
    RecordFilterForm,
    RecordForm,
)
from sharing.models import InformationSharingRecord, RecordRecipient, caseload_for_list

Record = InformationSharingRecord

URGENCY_RANK = Case(
    When(urgency=Record.Urgency.URGENT, then=0),
    When(urgency=Record.Urgency.PRIORITY, then=1),
    default=2,
)


# Lists -----------------------------------------------------------------------------------


@require_GET
@roles_required(*User.CASE_READER_ROLES)
def record_list(request):
    """A liaison's inbox (waiting first, then URGENT first); staff see their records."""
    user = request.user
    filters = RecordFilterForm(request.GET or None, user=user)
    records = filters.filter(with_viewer_cover(records_visible_to(user), user)).select_related(
        "core_member"
    )
    if user.is_liaison:
        mine = RecordRecipient.objects.filter(record=OuterRef("pk"), liaison=user)
        records = records.annotate(
            my_acknowledged_at=Subquery(mine.values("acknowledged_at")[:1]),
            my_due_at=Subquery(mine.values("acknowledge_due_at")[:1]),
            waiting=Case(When(my_acknowledged_at__isnull=True, then=0), default=1),
            urgency_rank=URGENCY_RANK,
        ).order_by("waiting", "urgency_rank", "-shared_at", "-pk")
    else:
        now = timezone.now()
        records = records.annotate(
            recipient_count=Count("recipients"),
            waiting_count=Count(
                "recipients",
                filter=Q(recipients__acknowledged_at__isnull=True, status__in=["SHARED"]),
            ),
            overdue_count=Count(
                "recipients",
                filter=Q(
                    recipients__acknowledged_at__isnull=True,
                    recipients__acknowledge_due_at__lt=now,
                ),
            ),
        ).order_by("-created_at", "-pk")
    if filters.active:
        log_access(request, AccessLog.Action.SEARCH, detail=f"shared records: {filters.data}")
    return render(
        request,
        "sharing/record_list.html",
        {"page": paginate(request, records), "filters": filters, "now": timezone.now()},
    )


@require_GET
def my_core_members(request):
    """A liaison's caseload: whom they cover now, his circle's state, when he last came to
    a meeting (the date, nothing of the minutes) and what waits for their acknowledgement."""
    page = paginate(request, caseload_for_list(core_members_covered_by(request.user), request.user))
    for core_member in page:
        status = core_member.circle_status
        core_member.circle_status_label = Circle.Status(status).label if status else "No circle"
    log_access(request, AccessLog.Action.LIST, detail="my core members")
    return render(request, "sharing/my_core_members.html", {"page": page})


@require_GET
@roles_required(*User.STAFF_ROLES)
def record_approvals(request):
    """Overrides waiting for a second person. The author sees theirs but cannot approve."""
    records = (
        records_visible_to(request.user)
        .filter(status=Record.Status.AWAITING_APPROVAL)
        .select_related("core_member", "created_by")
        .prefetch_related(
            Prefetch("recipients", RecordRecipient.objects.select_related("liaison__agency"))
        )
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "created_at", "pk")
    )
    log_access(request, AccessLog.Action.LIST, detail="overrides awaiting approval")
    return render(
        request,
        "sharing/approvals.html",
        {"page": paginate(request, records), "decline_form": DeclineForm()},
    )


# One record ------------------------------------------------------------------------------


def _armed(form):
    """A form of the record page drawn on a GET: it carries a one-time token too."""
    if form is not None and not getattr(form, "once_token", ""):
        form.once_token = tokens.new()
    return form


def _detail(request, record, *, ack_form=None, decline_form=None, approve_form=None, status=200):
    user = request.user
    recipients = list(record.recipients.select_related("liaison__agency"))
    mine = None
    if user.is_liaison:
        # A liaison sees their own acknowledgement, never who else received it.
        mine = next((r for r in recipients if r.liaison_id == user.pk), None)
        recipients = [mine] if mine else []
    addenda = (
        records_visible_to(user)
        .filter(addendum_to=record)
        .select_related("shared_by")
        .order_by("created_at", "pk")
    )
    staff = user.is_case_staff
    context = {
        "record": record,
        "recipients": recipients,
        "mine": mine,
        "addenda": addenda,
        "staff": staff,
        "can_approve": staff
        and record.status == Record.Status.AWAITING_APPROVAL
        and record.created_by_id != user.pk,
        "ack_form": _armed(
            ack_form or (AcknowledgeForm() if mine and mine.acknowledged_at is None else None)
        ),
        "decline_form": _armed(decline_form or DeclineForm()),
        "approve_form": _armed(approve_form or forms.Form()),
    }
    return render(request, "sharing/record_detail.html", context, status=status)


@require_GET
def record_detail(request, pk):
    record = record_for_user(request.user, pk)
    log_access(request, AccessLog.Action.VIEW, record)
    return _detail(request, record)


def _detail_url(record):
    return reverse("sharing:record_detail", args=[record.pk])


def _refused(request, form, record):
    """An action with nothing to type: its refusal is a message on the record's page."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("sharing:record_detail", pk=record.pk)


@require_POST
def record_acknowledge(request, pk):
    record = record_for_user(request.user, pk, RECORD_ACKNOWLEDGE)

    def save(form):
        services.record_acknowledge(
            record=record, acting_user=request.user, response=form.cleaned_data["response"]
        )
        log_access(request, AccessLog.Action.ACKNOWLEDGE, record)

    return form_page(
        request,
        AcknowledgeForm(request.POST),
        save=save,
        success_url=_detail_url(record),
        message="Acknowledged. The coordinator can see your response.",
        render_with=lambda form: _detail(request, record, ack_form=form),
        about=record,
    )


@require_POST
def record_approve(request, pk):
    record = record_for_user(request.user, pk, RECORD_CHANGE)

    def save(form):
        services.record_approve_override(record=record, acting_user=request.user)
        log_access(request, AccessLog.Action.SHARE, record, detail="override approved and sent")

    return form_page(
        request,
        forms.Form(request.POST),
        save=save,
        success_url=_detail_url(record),
        message="Approved. The record has been sent to its recipients.",
        render_with=lambda form: _refused(request, form, record),
        about=record,
    )


@require_POST
def record_decline(request, pk):
    record = record_for_user(request.user, pk, RECORD_CHANGE)

    def save(form):
        reason = form.cleaned_data["reason"]
        services.record_decline_override(record=record, acting_user=request.user, reason=reason)
        log_access(request, AccessLog.Action.REFUSED, record, detail=f"override declined: {reason}")

    return form_page(
        request,
        DeclineForm(request.POST),
        save=save,
        success_url=_detail_url(record),
        message="Declined. The record is a draft again; nothing was sent.",
        render_with=lambda form: _detail(request, record, decline_form=form),
        about=record,
    )


def _print_chain(request, record):
    user = request.user
    recipients = RecordRecipient.objects.select_related("liaison__agency").order_by("pk")
    if user.is_liaison:
        recipients = recipients.filter(liaison=user)
    return (
        records_visible_to(user)
        .filter(Q(pk=record.pk) | Q(addendum_to=record))
        .select_related("shared_by", "created_by", "approved_by")
        .prefetch_related(Prefetch("recipients", recipients))
        .order_by("created_at", "pk")
    )


@require_GET
def record_print(request, pk):
    """The record with its addenda and acknowledgements, laid out for a MAPPA meeting."""
    record = record_for_user(request.user, pk)
    log_access(request, AccessLog.Action.EXPORT, record, detail="printable record")
    return render(
        request,
        "sharing/record_print.html",
        {"record": record, "chain": _print_chain(request, record), "printed_at": timezone.now()},
    )


def _record_document(request, pk, fmt):
    """The printable record as a file, drawn from the record as it was shared."""
    record = record_for_user(request.user, pk)
    log_access(request, AccessLog.Action.EXPORT, record, detail=f"printable record {fmt}")
    chain = list(_print_chain(request, record))
    filename = f"cosa-record-{record.pk}.{fmt}"
    if fmt == "pdf":
        html = render_to_string(
            "sharing/record_print_pdf.html",
            {"record": record, "chain": chain, "printed_at": timezone.now(), "user": request.user},
        )
        content, content_type = documents.pdf_from_html(html), documents.PDF_MIME
    else:
        context = record_documents.record_context(
            record, chain, printed_at=timezone.localtime(), printed_by=request.user
        )
        content, content_type = record_documents.record_docx(context), documents.DOCX_MIME
    return documents.download_response(content, content_type, filename)


@require_GET
def record_print_pdf(request, pk):
    return _record_document(request, pk, "pdf")


@require_GET
def record_print_docx(request, pk):
    return _record_document(request, pk, "docx")


# Writing -------------------------------------------------------------------------------


def _int_param(request, name):
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404(f"Bad {name}.") from None


def _initial_from_concern(concern):
    urgency = Record.Urgency.ROUTINE
    if concern.imminent_risk:
        urgency = Record.Urgency.URGENT
    elif concern.severity == Concern.Severity.RED:
        urgency = Record.Urgency.PRIORITY
    category = concern.category if concern.category in Record.Category.values else "OTHER"
    return {"category": category, "urgency": urgency, "details": concern.description}


def _compose(request, form, *, save, core_member, heading, about, **context):
    """The compose page (also an addendum's and a draft's edit): send, then the record."""
    return form_page(
        request,
        form,
        save=save,
        success_url=_detail_url,
        message=lambda record: _sent_message(request, record),
        template="sharing/compose.html",
        about=about,
        core_member=core_member,
        title=heading,
        heading=heading,
        back_url=reverse("core_members:detail", args=[core_member.pk]),
        back_label=f"{core_member.reference} {core_member.display_name}",
        **context,
    )


def _sent(request, record):
    """Log what sending did; the record, for the page's redirect and message."""
    if record.is_shared:
        log_access(request, AccessLog.Action.SHARE, record)
    else:
        log_access(request, AccessLog.Action.SHARE, record, detail="override put for approval")
    return record


def _sent_message(request, record):
    if record.is_shared:
        return "Shared. The recipients have been told it is waiting."
    messages.info(
        request, "Not sent yet: a manager or another coordinator must approve the override."
    )
    return None


@require_http_methods(["GET", "POST"])
def record_compose(request, pk):
    """A new record about a Core Member: on its own, from a concern or from a meeting."""
    core_member = core_member_for_user(request.user, pk, CHANGE)
    concern = meeting = None
    initial = {}
    concern_pk, meeting_pk = _int_param(request, "concern"), _int_param(request, "meeting")
    if concern_pk is not None:
        concern = (
            Concern.objects.filter(pk=concern_pk, circle__core_member=core_member)
            .select_related("circle")
            .first()
        )
        if concern is None:
            raise Http404("No such concern for this Core Member.")
        initial = _initial_from_concern(concern)
    elif meeting_pk is not None:
        meeting = (
            Meeting.objects.filter(pk=meeting_pk, circle__core_member=core_member)
            .select_related("circle")
            .first()
        )
        if meeting is None:
            raise Http404("No such meeting for this Core Member.")
    if request.method == "GET" and concern is not None:
        log_access(request, AccessLog.Action.VIEW, concern, detail="composing a shared record")
    return _compose(
        request,
        RecordForm(posted(request), core_member=core_member, initial=initial),
        save=lambda form: _sent(
            request,
            services.record_compose(
                core_member=core_member,
                acting_user=request.user,
                recipients=form.cleaned_data["recipients"],
                source_concern=concern,
                source_meeting=meeting,
                **form.service_fields(),
            ),
        ),
        core_member=core_member,
        heading="Share a record with the outer circle",
        about=core_member,
        concern=concern,
        meeting=meeting,
    )


@require_http_methods(["GET", "POST"])
def record_addendum(request, pk):
    """A correction or update to a shared record: a record of its own, shared the same way."""
    original = record_for_user(request.user, pk, RECORD_CHANGE)
    if not original.is_shared:
        messages.info(request, "This record has not been shared: change the draft instead.")
        return redirect("sharing:record_edit", pk=original.pk)
    core_member = original.core_member
    initial = {
        "category": original.category,
        "urgency": original.urgency,
        "summary": f"Addendum: {original.summary}"[:300],
        "recipients": list(original.recipients.values_list("liaison_id", flat=True)),
    }
    return _compose(
        request,
        RecordForm(posted(request), core_member=core_member, initial=initial),
        save=lambda form: _sent(
            request,
            services.record_compose(
                core_member=core_member,
                acting_user=request.user,
                recipients=form.cleaned_data["recipients"],
                addendum_to=original,
                **form.service_fields(),
            ),
        ),
        core_member=core_member,
        heading="Add an addendum",
        about=original,
        original=original,
    )


@require_http_methods(["GET", "POST"])
def record_edit(request, pk):
    """Change and send a draft (or a declined override). A shared record is never changed.

    The form carries the draft's version: a save from a page opened before someone
    else's save is refused and shown to be merged (409), never written over theirs.
    """
    record = record_for_user(request.user, pk, RECORD_CHANGE)
    if record.is_shared:
        raise PermissionDenied("A shared record cannot be changed; add an addendum instead.")
    initial = {
        "category": record.category,
        "urgency": record.urgency,
        "summary": record.summary,
        "details": record.details,
        "legal_basis": record.legal_basis,
        "override_reason": record.override_reason,
        "recipients": list(record.recipients.values_list("liaison_id", flat=True)),
    }

    def save(form):
        try:
            sent = services.record_update_and_send(
                record=record,
                recipients=list(form.cleaned_data["recipients"]),
                acting_user=request.user,
                version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except ValidationError:
            # Nothing was written: the page shows the draft as it is stored.
            record.refresh_from_db()
            raise
        return _sent(request, sent)

    return _compose(
        request,
        RecordForm(posted(request), core_member=record.core_member, initial=initial),
        save=save,
        core_member=record.core_member,
        heading="Change and send a draft",
        about=record,
        version=record.version,
        draft=record,
    )
