from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles import services
from circles.access import (
    CHANGE,
    can_change_circle,
    circle_for_user,
    circles_visible_to,
    concern_for_user,
    note_for_user,
)
from circles.models import CircleMembership, Meeting
from cosa.views import csv_response, paginate, roles_required

STAFF = (User.Role.COORDINATOR, User.Role.MANAGER)
CIRCLE_MEMBERS = (User.Role.COORDINATOR, User.Role.MANAGER, User.Role.VOLUNTEER)


def _circle_list(user, query=""):
    circles = (
        circles_visible_to(user)
        .for_list()
        .annotate(volunteer_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
    )
    if query:
        circles = circles.filter(
            Q(name__icontains=query)
            | Q(core_member__reference__iexact=query)
            | Q(core_member__last_name__icontains=query)
        )
    return circles.order_by("status", "name", "pk")


@require_GET
@roles_required(*CIRCLE_MEMBERS)
def index(request):
    query = request.GET.get("q", "").strip()[:100]
    if query:
        log_access(request, AccessLog.Action.SEARCH, detail=f"circles: {query}")
    page = paginate(request, _circle_list(request.user, query))
    return render(request, "circles/index.html", {"page": page, "query": query})


@require_GET
@roles_required(*STAFF)
def export(request):
    circles = _circle_list(request.user)
    log_access(request, AccessLog.Action.EXPORT, detail="circles.csv")
    rows = (
        (
            c.name,
            c.core_member.reference,
            c.get_status_display(),
            c.get_kind_display(),
            c.coordinator,
            c.launched_on,
            c.planned_end_on,
            c.volunteer_count,
        )
        for c in circles.iterator()
    )
    header = ["circle", "core member", "status", "kind", "coordinator", "launched", "planned end"]
    return csv_response("circles.csv", [*header, "volunteers"], rows)


@require_GET
def detail(request, pk):
    circle = circle_for_user(request.user, pk)
    memberships = circle.memberships.current().select_related("volunteer__user")
    covenant = circle.covenants.order_by("-version").first()
    upcoming = circle.meetings.upcoming()[:5]
    recent = (
        circle.meetings.filter(status__in=[Meeting.Status.HELD, Meeting.Status.MISSED])
        .prefetch_related("notes")
        .order_by("-starts_at")[:10]
    )
    staff = request.user.role in STAFF
    context = {
        "circle": circle,
        "memberships": memberships,
        "covenant": covenant,
        "upcoming": upcoming,
        "recent": recent,
        "staff": staff,
        "can_change": staff and can_change_circle(request.user, circle),
        "concerns": circle.concerns.select_related("raised_by")[:10] if staff else [],
        "milestones": circle.milestones.all() if staff else [],
    }
    return render(request, "circles/detail.html", context)


@require_GET
def note_detail(request, pk, meeting_pk):
    note = note_for_user(request.user, pk, meeting_pk)
    log_access(request, AccessLog.Action.VIEW, note)
    return render(
        request,
        "circles/note_detail.html",
        {
            "note": note,
            "circle": note.meeting.circle,
            "present": note.volunteers_present.select_related("user"),
            "observations": note.observations.select_related("author"),
        },
    )


@require_GET
def concern_detail(request, pk, concern_pk):
    concern = concern_for_user(request.user, pk, concern_pk)
    log_access(request, AccessLog.Action.VIEW, concern)
    return render(
        request, "circles/concern_detail.html", {"concern": concern, "circle": concern.circle}
    )


@require_POST
def membership_end(request, pk, membership_pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    membership = get_object_or_404(
        CircleMembership.objects.select_related("volunteer__user"), circle=circle, pk=membership_pk
    )
    try:
        services.membership_end(
            membership=membership,
            acting_user=request.user,
            reason=request.POST.get("reason", "").strip()[:300],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.volunteer} has left {circle.name}.")
    return redirect("circles:detail", pk=circle.pk)
