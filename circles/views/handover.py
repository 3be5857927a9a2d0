"""Handing a Core Member over to another coordinator, from the Core Member's page.

Here rather than in coreMembers: the handover moves the open circle too, and this app
owns the one service that does it (``circles.services.coordinator_handover``).
"""

from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from circles import services
from circles.access import caseload_owner_for_user
from circles.forms.circles import CaseloadForm
from coreMembers.access import core_member_for_user
from coreMembers.forms import CoordinatorForm
from cosa.views import posted
from formpages.pages import form_page


@require_http_methods(["GET", "POST"])
def coordinator_handover(request, core_member_pk):
    """Managers only: the record, open referrals and open circle move to the coordinator."""
    # Managers only: the Core Member's coordinator sees him but may not hand him on (403).
    core_member = core_member_for_user(request.user, core_member_pk, roles=(User.Role.MANAGER,))
    back_url = reverse("core_members:detail", args=[core_member.pk])
    form = CoordinatorForm(posted(request), initial={"coordinator": core_member.coordinator_id})
    return form_page(
        request,
        form,
        save=lambda form: services.coordinator_handover(
            core_member=core_member,
            coordinator=form.cleaned_data["coordinator"],
            acting_user=request.user,
        ),
        success_url=back_url,
        message=lambda _: f"{form.cleaned_data['coordinator']} now coordinates.",
        title=f"Coordinator of {core_member.reference}",
        back_url=back_url,
        back_label=f"Back to {core_member.reference}",
        submit_label="Assign coordinator",
        core_member=core_member,
        intro="The Core Member's record, open referral and open circle all move to the "
        "coordinator you choose; the previous coordinator loses them.",
    )


@require_http_methods(["GET", "POST"])
def caseload_reassign(request, coordinator_pk):
    """Managers only: everything a departing coordinator holds moves in one step, after a
    page listing what will move."""
    coordinator = caseload_owner_for_user(request.user, coordinator_pk)
    url = reverse("circles:caseload_reassign", args=[coordinator.pk])
    name = coordinator.get_full_name() or str(coordinator)
    caseload = services.caseload_of(coordinator)
    return form_page(
        request,
        CaseloadForm(posted(request), coordinator=coordinator),
        save=lambda form: services.caseload_reassign(
            coordinator=coordinator, to=form.cleaned_data["to"], acting_user=request.user
        ),
        success_url=url,
        message=lambda moved: (
            f"{name}'s caseload moved: {len(moved.core_members)} Core Members, "
            f"{len(moved.circles)} circles, {len(moved.referrals)} referrals."
        ),
        template="circles/caseload_reassign.html",
        title=f"Reassign {name}'s caseload",
        coordinator=coordinator,
        caseload=caseload,
        submit_label="Move the whole caseload",
        danger=True,
        back_url=reverse("circles:index"),
        back_label="Back to circles",
    )
