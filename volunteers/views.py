from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles.access import circles_visible_to
from cosa.views import csv_response, paginate, roles_required
from volunteers.access import supervision_visible_to, volunteer_for_user, volunteers_visible_to
from volunteers.models import Volunteer

STAFF = (User.Role.COORDINATOR, User.Role.MANAGER)


def _pool(user, query="", status=""):
    volunteers = (
        volunteers_visible_to(user)
        .for_list()
        .annotate(circle_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
    )
    if status in Volunteer.Status.values:
        volunteers = volunteers.filter(status=status)
    if query:
        volunteers = volunteers.filter(
            Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__iexact=query)
        )
    return volunteers.order_by("user__last_name", "user__first_name", "pk")


@require_GET
@roles_required(*STAFF, User.Role.VOLUNTEER)
def index(request):
    """Coordinators and managers: the pool. Volunteers: their own start page."""
    if request.user.role == User.Role.VOLUNTEER:
        circles = circles_visible_to(request.user).for_list().order_by("name")
        return render(request, "volunteers/start.html", {"circles": circles})
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if query:
        log_access(request, AccessLog.Action.SEARCH, detail=f"volunteers: {query}")
    page = paginate(request, _pool(request.user, query, status))
    return render(
        request,
        "volunteers/index.html",
        {"page": page, "query": query, "status": status, "statuses": Volunteer.Status.choices},
    )


@require_GET
@roles_required(*STAFF)
def export(request):
    log_access(request, AccessLog.Action.EXPORT, detail="volunteers.csv")
    rows = (
        (v.user.get_full_name(), v.user.email, v.get_status_display(), v.started_on, v.circle_count)
        for v in _pool(request.user).iterator()
    )
    return csv_response("volunteers.csv", ["name", "e-mail", "status", "started", "circles"], rows)


@require_GET
def detail(request, pk):
    volunteer = volunteer_for_user(request.user, pk)
    staff = request.user.role in STAFF
    context = {
        "volunteer": volunteer,
        "staff": staff,
        "dbs_checks": volunteer.dbs_checks.all(),
        "training": volunteer.training.all(),
        "references": volunteer.references.all() if staff else [],
        "memberships": volunteer.memberships.select_related("circle").order_by("-joined_on"),
        "supervision": supervision_visible_to(request.user).filter(volunteer=volunteer),
    }
    return render(request, "volunteers/detail.html", context)
