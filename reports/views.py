from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from circles.access import circles_visible_to
from coreMembers.access import core_members_visible_to, records_visible_to
from cosa.views import roles_required


@require_GET
@roles_required(User.Role.COORDINATOR, User.Role.MANAGER)
def index(request):
    """The at-a-glance figures for the user's caseload (managers: everything)."""
    user = request.user
    circles_by_status = (
        circles_visible_to(user).values("status").annotate(n=Count("pk")).order_by("status")
    )
    core_members_by_status = (
        core_members_visible_to(user).values("status").annotate(n=Count("pk")).order_by("status")
    )
    records_by_status = (
        records_visible_to(user).values("status").annotate(n=Count("pk")).order_by("status")
    )
    return render(
        request,
        "reports/index.html",
        {
            "circles_by_status": circles_by_status,
            "core_members_by_status": core_members_by_status,
            "records_by_status": records_by_status,
        },
    )
