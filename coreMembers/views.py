from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, OuterRef, Q, Subquery, When
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from coreMembers import services
from coreMembers.access import (
    FULL,
    core_member_for_user,
    core_members_visible_to,
    record_for_user,
    records_visible_to,
    sees_full_record,
)
from coreMembers.models import InformationSharingRecord, RecordRecipient
from cosa.views import csv_response, paginate, roles_required

STAFF = (User.Role.COORDINATOR, User.Role.MANAGER)
READERS = (User.Role.COORDINATOR, User.Role.MANAGER, User.Role.LIAISON)


def _core_member_list(user, query=""):
    core_members = core_members_visible_to(user).for_list()
    if query:
        core_members = core_members.filter(
            Q(reference__iexact=query)
            | Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(preferred_name__icontains=query)
        )
    return core_members.order_by("reference")


@require_GET
@roles_required(*READERS)
def index(request):
    query = request.GET.get("q", "").strip()[:100]
    if query:
        log_access(request, AccessLog.Action.SEARCH, detail=f"core members: {query}")
    page = paginate(request, _core_member_list(request.user, query))
    return render(request, "core_members/index.html", {"page": page, "query": query})


@require_GET
@roles_required(*READERS)
def export(request):
    """Staff get the working fields; liaisons get identity only. Never offence details."""
    core_members = _core_member_list(request.user)
    log_access(request, AccessLog.Action.EXPORT, detail="core-members.csv")
    if sees_full_record(request.user):
        header = ["reference", "name", "status", "coordinator", "MAPPA category", "MAPPA level"]
        rows = (
            (
                c.reference,
                c.display_name,
                c.get_status_display(),
                c.coordinator,
                c.mappa_category,
                c.mappa_level,
            )
            for c in core_members.iterator()
        )
    else:
        header = ["reference", "name", "date of birth"]
        rows = ((c.reference, c.display_name, c.date_of_birth) for c in core_members.iterator())
    return csv_response("core-members.csv", header, rows)


@require_GET
def detail(request, pk):
    core_member = core_member_for_user(request.user, pk)
    log_access(request, AccessLog.Action.VIEW, core_member)
    circle = core_member.circles.order_by("-created_at").first()
    records = records_visible_to(request.user).filter(core_member=core_member)
    context = {"core_member": core_member, "circle": circle, "records": records[:50]}
    if sees_full_record(request.user):
        context.update(
            template="core_members/detail.html",
            referrals=core_member.referrals.select_related("source_agency", "coordinator"),
            risk_assessments=core_member.risk_assessments.select_related("agency"),
            mappa_history=core_member.mappa_history.all(),
            agreements=core_member.sharing_agreements.prefetch_related("agencies"),
            liaisons=core_member.liaison_assignments.select_related("liaison__agency"),
        )
    else:
        # Liaisons: identity, circle status, attendance counts, what was shared with them.
        attendance = {}
        if circle is not None:
            attendance = circle.meetings.aggregate(
                held=Count("pk", filter=Q(status="HELD")),
                missed=Count("pk", filter=Q(status="MISSED")),
                attended=Count("notes", filter=Q(notes__attendance__in=["YES", "LATE"])),
            )
        context.update(template="core_members/liaison_detail.html", attendance=attendance)
    return render(request, context["template"], context)


@require_GET
def audit_trail(request, pk):
    core_member = core_member_for_user(request.user, pk, FULL)
    entries = AccessLog.objects.filter(core_member_id=core_member.pk).select_related("user")
    changes = core_member.history.select_related("history_user")[:50]
    return render(
        request,
        "core_members/audit.html",
        {"core_member": core_member, "page": paginate(request, entries), "changes": changes},
    )


@require_GET
@roles_required(*READERS)
def record_list(request):
    records = records_visible_to(request.user).select_related("core_member")
    if request.user.role == User.Role.LIAISON:
        # The inbox: unacknowledged first, URGENT before PRIORITY before ROUTINE.
        mine = RecordRecipient.objects.filter(record=OuterRef("pk"), liaison=request.user)
        records = records.annotate(
            my_acknowledged_at=Subquery(mine.values("acknowledged_at")[:1]),
            waiting=Case(When(my_acknowledged_at__isnull=True, then=0), default=1),
            urgency_rank=Case(
                When(urgency=InformationSharingRecord.Urgency.URGENT, then=0),
                When(urgency=InformationSharingRecord.Urgency.PRIORITY, then=1),
                default=2,
            ),
        ).order_by("waiting", "urgency_rank", "-shared_at", "-pk")
    else:
        records = records.order_by("-created_at")
    return render(request, "core_members/record_list.html", {"page": paginate(request, records)})


@require_GET
def record_detail(request, pk):
    record = record_for_user(request.user, pk)
    log_access(request, AccessLog.Action.VIEW, record)
    recipients = record.recipients.select_related("liaison__agency")
    mine = None
    if request.user.role == User.Role.LIAISON:
        mine = next((r for r in recipients if r.liaison_id == request.user.pk), None)
    addenda = records_visible_to(request.user).filter(addendum_to=record).order_by("created_at")
    return render(
        request,
        "core_members/record_detail.html",
        {"record": record, "recipients": recipients, "mine": mine, "addenda": addenda},
    )


@require_POST
def record_acknowledge(request, pk):
    record = record_for_user(request.user, pk, "acknowledge")
    try:
        services.record_acknowledge(
            record=record, acting_user=request.user, response=request.POST.get("response", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        log_access(request, AccessLog.Action.ACKNOWLEDGE, record)
        messages.success(request, "Acknowledged. The coordinator can see your response.")
    return redirect("core_members:record_detail", pk=record.pk)
