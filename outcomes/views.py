"""Outcome pages: recalls and reconvictions, and the 12/24-month follow-up checks.

For the Core Member's coordinator and managers only: the outcomes page needs the full
record, recording needs the right to change it (a follow-up check: the right to change
the circle). Others are told the record does not exist (404) or, when they see it but
may not change it, refused (403).
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import log_access
from accounts.models import AccessLog
from circles.access import CHANGE as CIRCLE_CHANGE
from circles.access import circle_for_user
from coreMembers.access import CHANGE, FULL, core_member_for_user, core_members_visible_to
from cosa.views import posted
from formpages.pages import form_page
from outcomes import services
from outcomes.forms import FollowUpCheckForm, OutcomeEventForm
from outcomes.models import FollowUpCheck


def _outcomes_url(core_member, anchor=""):
    url = reverse("outcomes:outcomes", args=[core_member.pk])
    return f"{url}#{anchor}" if anchor else url


@require_GET
def outcomes(request, pk):
    """The Core Member's recalls and reconvictions and each circle's follow-up checks."""
    core_member = core_member_for_user(request.user, pk, FULL)
    log_access(request, AccessLog.Action.VIEW, core_member, detail="outcomes")
    today = timezone.localdate()
    circles = list(
        core_member.circles.filter(launched_on__isnull=False)
        .prefetch_related(
            Prefetch(
                "follow_up_checks",
                queryset=FollowUpCheck.objects.select_related("checked_with", "recorded_by"),
            )
        )
        .order_by("-launched_on")
    )
    context = {
        "core_member": core_member,
        "events": core_member.outcome_events.select_related(
            "circle", "source_agency", "recorded_by"
        ),
        "circles": [(circle, services.follow_up_status(circle, today)) for circle in circles],
        "can_change": core_members_visible_to(request.user, CHANGE).filter(pk=pk).exists(),
        "days": FollowUpCheck.DAYS,
    }
    return render(request, "outcomes/outcomes.html", context)


@require_http_methods(["GET", "POST"])
def outcome_record(request, pk):
    core_member = core_member_for_user(request.user, pk, CHANGE)
    if request.method == "GET":
        log_access(request, AccessLog.Action.VIEW, core_member, detail="outcome form")
    return form_page(
        request,
        OutcomeEventForm(posted(request), core_member=core_member),
        save=lambda form: services.outcome_record(
            core_member=core_member, acting_user=request.user, **form.cleaned_data
        ),
        success_url=_outcomes_url(core_member, "events"),
        message="Outcome recorded.",
        about=core_member,
        title=f"Record a recall or reconviction: {core_member.reference}",
        intro="Record what the police or probation told you. A reconviction is "
        "counted by the date of the offence when you give it.",
        back_url=_outcomes_url(core_member),
        back_label=f"Back to the outcomes of {core_member.reference}",
        submit_label="Record",
        core_member=core_member,
    )


@require_http_methods(["GET", "POST"])
def follow_up_record(request, pk, months):
    """The 12- or 24-month follow-up check of a circle: the check if recorded, else its form."""
    circle = circle_for_user(request.user, pk, CIRCLE_CHANGE)
    if months not in FollowUpCheck.DAYS:
        raise Http404("Follow-up is at 12 or 24 months.")
    check = circle.follow_up_checks.select_related("checked_with", "recorded_by").filter(
        months=months
    )
    check = check.first()
    if check is not None and request.method == "POST":
        messages.info(request, f"The {months}-month follow-up is already recorded.")
        return redirect(request.path)
    due_on = FollowUpCheck.due_on_for(circle, months)
    today = timezone.localdate()
    here = f"{months}-month follow-up"
    context = {
        "circle": circle,
        "months": months,
        "days": FollowUpCheck.DAYS[months],
        "due_on": due_on,
        "is_due": circle.status == circle.Status.ENDED and due_on is not None and due_on <= today,
        "check": check,
        "here": here,
        "page_title": f"{here}: {circle.name}",
        "submit_label": "Record the check",
        "cancel_url": _outcomes_url(circle.core_member, "follow-up"),
    }

    def page(form):
        log_access(request, AccessLog.Action.VIEW, circle, detail=here)
        return render(request, "outcomes/follow_up.html", {"form": form, **context})

    if check is not None:
        return page(None)
    return form_page(
        request,
        FollowUpCheckForm(posted(request)),
        save=lambda form: services.follow_up_record(
            circle=circle, acting_user=request.user, months=months, **form.cleaned_data
        ),
        success_url=_outcomes_url(circle.core_member, "follow-up"),
        message=f"{months}-month follow-up recorded.",
        render_with=page,
        about=circle,
    )
