from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.audit import log_access
from accounts.models import AccessLog, User
from coreMembers.access import (
    FULL,
    core_member_for_user,
    core_members_visible_to,
    records_visible_to,
    sees_full_record,
)
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
