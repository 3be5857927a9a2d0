"""Handing a Core Member over to another coordinator, from the Core Member's page.

Here rather than in coreMembers: the handover moves the open circle too, and this app
owns the one service that does it (``circles.services.coordinator_handover``).
"""

from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from circles import services
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
