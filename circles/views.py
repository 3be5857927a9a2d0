"""Circle pages: the list, and the circle page a coordinator works from all day.

Each change has its own small page (the confirmation step for destructive ones)
that POSTs to itself, redirects to the circle page on success and shows a
service's refusal on its form.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles import services
from circles.access import (
    CHANGE,
    can_change_circle,
    circle_for_user,
    circles_visible_to,
    concern_for_user,
    meeting_for_user,
    membership_for_user,
    milestone_for_user,
    note_for_user,
)
from circles.forms import (
    CircleFormForm,
    CircleListForm,
    ConfirmForm,
    CoordinatorChangeForm,
    CovenantForm,
    EndCircleForm,
    LaunchForm,
    MatchFilterForm,
    MeetingCancelForm,
    MembershipAddForm,
    MembershipEndForm,
    PatternForm,
    ReviewForm,
)
from circles.models import Circle, CircleMembership, Meeting, ReviewMilestone
from coreMembers.access import CHANGE as CORE_MEMBER_CHANGE
from coreMembers.access import core_member_for_user
from coreMembers.models import Referral
from cosa.views import add_service_errors, csv_response, paginate, posted, roles_required
from volunteers.models import Volunteer

CIRCLE_MEMBERS = (User.Role.COORDINATOR, User.Role.MANAGER, User.Role.VOLUNTEER)
GET_POST = require_http_methods(["GET", "POST"])
REVIEW_DUE_SOON_DAYS = 14


def _circle_list(user, query="", status="", sort="status"):
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
    if status == "open":
        circles = circles.open()
    elif status:
        circles = circles.filter(status=status)
    return circles.order_by(*CircleListForm.SORTS.get(sort or "status"))


def _to_circle(circle):
    return redirect("circles:detail", pk=circle.pk)


def _action_page(request, circle, form, **context):
    """The shared one-form action page (title, intro, submit, danger, closed, closed_text)."""
    return render(request, "circles/action.html", {"circle": circle, "form": form, **context})


@require_GET
@roles_required(*CIRCLE_MEMBERS)
def index(request):
    form = CircleListForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    query = data.get("q", "").strip()
    if query:
        log_access(request, AccessLog.Action.SEARCH, detail=f"circles: {query}")
    circles = _circle_list(request.user, query, data.get("status", ""), data.get("sort", ""))
    page = paginate(request, circles)
    return render(request, "circles/index.html", {"page": page, "query": query, "form": form})


@require_GET
@roles_required(*User.STAFF_ROLES)
def export(request):
    """The list as the coordinator filtered it, as CSV."""
    form = CircleListForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    circles = _circle_list(
        request.user, data.get("q", "").strip(), data.get("status", ""), data.get("sort", "")
    )
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


# Forming ---------------------------------------------------------------------------------


@GET_POST
def create(request, core_member_pk):
    """Form a circle for a Core Member from their accepted referral."""
    core_member = core_member_for_user(request.user, core_member_pk, CORE_MEMBER_CHANGE)
    referral = (
        core_member.referrals.filter(status=Referral.Status.ACCEPTED)
        .order_by("-decided_at", "-pk")
        .first()
    )
    open_circle = core_member.circles.open().first()
    form = CircleFormForm(posted(request), acting_user=request.user)
    if request.method == "POST" and referral and not open_circle and form.is_valid():
        pattern = dict(form.cleaned_data)
        coordinator, name, kind = (pattern.pop(key) for key in ("coordinator", "name", "kind"))
        try:
            circle = services.circle_form(
                referral=referral,
                coordinator=coordinator,
                name=name,
                kind=kind,
                acting_user=request.user,
                **pattern,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{circle.name} formed. Next: match volunteers, agree the covenant, then launch.",
            )
            return _to_circle(circle)
    return render(
        request,
        "circles/create.html",
        {
            "core_member": core_member,
            "referral": referral,
            "open_circle": open_circle,
            "form": form,
        },
    )


# The circle page -------------------------------------------------------------------------


@require_GET
def detail(request, pk):
    circle = circle_for_user(request.user, pk)
    staff = request.user.is_case_staff
    now = timezone.now()
    today = timezone.localdate()
    memberships = circle.memberships.current().select_related("volunteer__user")
    context = {
        "circle": circle,
        "memberships": memberships,
        "covenant": circle.covenants.order_by("-version").first(),
        # Cancelled ones too, so everyone sees which dates are off and why.
        "upcoming": circle.meetings.filter(
            starts_at__gte=now, status__in=[Meeting.Status.SCHEDULED, Meeting.Status.CANCELLED]
        ).order_by("starts_at")[:8],
        "recent": (
            circle.meetings.filter(status__in=[Meeting.Status.HELD, Meeting.Status.MISSED])
            .prefetch_related("notes")
            .order_by("-starts_at")[:10]
        ),
        "staff": staff,
        "can_change": staff and can_change_circle(request.user, circle),
        "concerns": circle.concerns.select_related("raised_by")[:10] if staff else [],
        "milestones": circle.milestones.all() if staff else [],
        "review_soon": today + datetime.timedelta(days=REVIEW_DUE_SOON_DAYS),
        "today": today,
    }
    if staff:
        # DBS and training are coordinator-only facts about a volunteer (DESIGN §4).
        context["ready_ids"] = set(
            services.volunteers_ready_to_launch(circle).values_list("pk", flat=True)
        )
        if circle.status == Circle.Status.FORMING:
            context["checklist"] = services.launch_checklist(circle)
            context["ready_to_launch"] = all(c.met for c in context["checklist"])
    return render(request, "circles/detail.html", context)


@require_GET
def note_detail(request, pk, meeting_pk):
    # The page, its review and observation forms live in views_minutes.
    from circles.views_minutes import render_note_detail

    note = note_for_user(request.user, pk, meeting_pk)
    log_access(request, AccessLog.Action.VIEW, note)
    return render_note_detail(request, note)


@require_GET
def concern_detail(request, pk, concern_pk):
    # The page and its triage forms live in views_minutes.
    from circles.views_minutes import render_concern_detail

    concern = concern_for_user(request.user, pk, concern_pk)
    log_access(request, AccessLog.Action.VIEW, concern)
    return render_concern_detail(request, concern)


@GET_POST
def coordinator_change(request, pk):
    """A manager hands the circle (and its Core Member) to another coordinator."""
    # Managers only: the circle's own coordinator sees it but may not hand it on (403).
    circle = circle_for_user(request.user, pk, CHANGE, roles=(User.Role.MANAGER,))
    form = CoordinatorChangeForm(posted(request), circle=circle)
    if request.method == "POST" and form.is_valid():
        coordinator = form.cleaned_data["coordinator"]
        try:
            services.circle_change_coordinator(
                circle=circle, coordinator=coordinator, acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{circle.name} is now coordinated by {coordinator}.")
            return _to_circle(circle)
    return _action_page(
        request,
        circle,
        form,
        title=f"Hand {circle.name} to another coordinator",
        intro=f"{circle.coordinator} coordinates this circle now.",
        submit="Change coordinator",
    )


# Volunteers ------------------------------------------------------------------------------


def _match_pool(circle, filters):
    """Volunteers not already in the circle, with what matching needs, filtered and sorted."""
    in_circle = CircleMembership.objects.filter(
        circle=circle, volunteer=OuterRef("pk"), left_on__isnull=True
    )
    pool = Volunteer.objects.with_readiness().select_related("user").filter(~Exists(in_circle))
    data = filters.cleaned_data if filters.is_valid() else {}
    if data.get("q"):
        q = data["q"]
        pool = pool.filter(
            Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(postcode_area__iexact=q)
        )
    if data.get("active"):
        pool = pool.filter(status=Volunteer.Status.ACTIVE)
    if data.get("dbs_current"):
        pool = pool.filter(dbs_current=True)
    if data.get("trained"):
        pool = pool.filter(trained=True)
    if data.get("max_circles") is not None:
        pool = pool.filter(circle_count__lte=data["max_circles"])
    return pool.order_by(*MatchFilterForm.SORTS[data.get("sort") or "circles"])


@GET_POST
def match(request, pk):
    """The volunteer pool, filtered for matching, with an add button on each row."""
    circle = circle_for_user(request.user, pk, CHANGE)
    add_form = MembershipAddForm(posted(request))
    if request.method == "POST" and add_form.is_valid():
        volunteer = (
            Volunteer.objects.select_related("user")
            .filter(pk=add_form.cleaned_data["volunteer"])
            .first()
        )
        if volunteer is None:
            add_form.add_error("volunteer", "No such volunteer.")
        else:
            try:
                membership = services.membership_add(
                    circle=circle,
                    volunteer=volunteer,
                    role=add_form.cleaned_data["role"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(add_form, error)
            else:
                messages.success(
                    request,
                    f"{volunteer} joined {circle.name} as {membership.get_role_display().lower()}.",
                )
                url = reverse("circles:match", args=[circle.pk])
                query = request.GET.urlencode()
                return redirect(f"{url}?{query}" if query else url)
    filters = MatchFilterForm(request.GET or MatchFilterForm.DEFAULTS)
    page = paginate(request, _match_pool(circle, filters))
    members = circle.memberships.current().select_related("volunteer__user")
    add_errors = [message for errors in add_form.errors.values() for message in errors]
    return render(
        request,
        "circles/match.html",
        {
            "circle": circle,
            "filters": filters,
            "page": page,
            "members": members,
            "add_errors": add_errors,
            "roles": CircleMembership.Role.choices,
            "max_volunteers": services.MAX_VOLUNTEERS,
        },
    )


@GET_POST
def membership_end(request, pk, membership_pk):
    membership = membership_for_user(request.user, pk, membership_pk, CHANGE)
    circle = membership.circle
    form = MembershipEndForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(
                membership=membership,
                acting_user=request.user,
                reason=form.cleaned_data["reason"].strip(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{membership.volunteer} has left {circle.name}.")
            return _to_circle(circle)
    return _action_page(
        request,
        circle,
        form,
        title=f"End {membership.volunteer}'s membership",
        intro=(
            f"{membership.volunteer} will leave {circle.name} and lose access to it, its "
            "meetings and minutes on their next page."
        ),
        submit="End membership",
        danger=True,
        closed=membership.left_on is not None,
        closed_text=f"{membership.volunteer} left this circle on {membership.left_on}.",
    )


# Covenant and meeting pattern ------------------------------------------------------------


@GET_POST
def covenant(request, pk):
    """The covenant's versions, and a form to agree a new one."""
    circle = circle_for_user(request.user, pk, CHANGE)
    versions = circle.covenants.select_related("recorded_by").order_by("-version")
    current = versions.first()
    form = CovenantForm(
        posted(request),
        initial={"goals": current.goals if current else "", "frequency": circle.frequency},
    )
    if request.method == "POST" and form.is_valid():
        old_frequency = circle.frequency
        try:
            agreed = services.covenant_agree(
                circle=circle, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = f"Covenant version {agreed.version} agreed."
            if agreed.frequency != old_frequency:
                text += (
                    f" Meetings are now {agreed.get_frequency_display().lower()}; "
                    "future meetings were rescheduled."
                )
            messages.success(request, text)
            return _to_circle(circle)
    return render(
        request, "circles/covenant.html", {"circle": circle, "form": form, "versions": versions}
    )


@GET_POST
def pattern(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    # The form works on its own copy, so the service sees what is stored now.
    form = PatternForm(posted(request), instance=Circle.objects.get(pk=circle.pk))
    if request.method == "POST" and form.is_valid():
        try:
            circle, covenant = services.circle_change_pattern(
                circle=circle, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = "Meeting pattern saved."
            if circle.status in (Circle.Status.ACTIVE, Circle.Status.STEP_DOWN):
                text += " Future meetings not yet held were rescheduled."
            if covenant is not None:
                text += (
                    f" The frequency changed, so covenant version {covenant.version} was "
                    "recorded with the same goals: check them with the circle."
                )
            messages.success(request, text)
            return _to_circle(circle)
    return _action_page(
        request,
        circle,
        form,
        title="Meeting pattern",
        intro=(
            "Changing the pattern moves the future meetings that have not been held; past "
            "meetings and their minutes stay as they are. A new frequency records a new "
            "covenant version."
        ),
        submit="Save the pattern",
        closed=not circle.is_open,
        closed_text="This circle has ended.",
    )


# Launch and lifecycle ----------------------------------------------------------------------


@GET_POST
def launch(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    form = LaunchForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            circle = services.circle_launch(
                circle=circle,
                acting_user=request.user,
                launched_on=form.cleaned_data["launched_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{circle.name} launched. {circle.meetings.count()} meetings are scheduled and "
                f"{circle.milestones.count()} reviews are due, the last on "
                f"{circle.milestones.order_by('due_on').last().due_on:%d %B %Y}.",
            )
            return _to_circle(circle)
    checklist = services.launch_checklist(circle)
    return render(
        request,
        "circles/launch.html",
        {
            "circle": circle,
            "form": form,
            "checklist": checklist,
            "ready": circle.status == Circle.Status.FORMING and all(c.met for c in checklist),
        },
    )


def _confirm(request, circle, *, action, title, intro, submit, success, allowed, danger=False):
    """A confirmation page whose POST calls ``action`` (a service) on the circle."""
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            action(circle=circle, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return _to_circle(circle)
    return _action_page(
        request,
        circle,
        form,
        title=title,
        intro=intro,
        submit=submit,
        danger=danger,
        closed=not allowed,
        closed_text=f"This circle is {circle.get_status_display().lower()}.",
    )


@GET_POST
def step_down(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    return _confirm(
        request,
        circle,
        action=services.circle_step_down,
        title=f"Step down {circle.name}",
        intro=(
            "Stepping down tapers the circle towards its end. Meetings carry on as scheduled: "
            "agree a new covenant to change how often the circle meets."
        ),
        submit="Step down",
        success=f"{circle.name} is stepping down.",
        allowed=circle.status == Circle.Status.ACTIVE,
    )


@GET_POST
def resume(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    return _confirm(
        request,
        circle,
        action=services.circle_resume,
        title=f"Resume {circle.name}",
        intro="The circle goes back to full activity.",
        submit="Resume",
        success=f"{circle.name} is active again.",
        allowed=circle.status == Circle.Status.STEP_DOWN,
    )


@GET_POST
def end(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    form = EndCircleForm(posted(request), circle=circle)
    if request.method == "POST" and form.is_valid():
        try:
            services.circle_end(
                circle=circle,
                reason=form.cleaned_data["reason"],
                outcome_notes=form.cleaned_data["outcome_notes"].strip(),
                ended_on=form.cleaned_data["ended_on"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{circle.name} has ended and its outcome is recorded.")
            return _to_circle(circle)
    return _action_page(
        request,
        circle,
        form,
        title=f"End {circle.name}",
        intro=(
            "Ending the circle cancels its future meetings and ends every volunteer's "
            "membership. It cannot be undone."
        ),
        submit="End the circle",
        danger=True,
        closed=not circle.is_open,
        closed_text="This circle has already ended.",
    )


# Reviews and meetings ------------------------------------------------------------------------


def _suggested_attendees(circle):
    names = [f"{circle.coordinator.get_full_name()} (coordinator)", "the Core Member"]
    names += [
        str(m.volunteer) for m in circle.memberships.current().select_related("volunteer__user")
    ]
    return ", ".join(names)


@GET_POST
def review(request, pk, milestone_pk):
    """Record a review milestone; its decision acts on the circle."""
    milestone = milestone_for_user(request.user, pk, milestone_pk, CHANGE)
    circle = milestone.circle
    form = ReviewForm(posted(request), initial={"attendees": _suggested_attendees(circle)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_conclude(milestone=milestone, acting_user=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            outcome = {
                ReviewMilestone.Decision.CONTINUE: "the circle continues",
                ReviewMilestone.Decision.STEP_DOWN: "the circle steps down",
                ReviewMilestone.Decision.END: "the circle has ended",
            }[data["decision"]]
            messages.success(request, f"{milestone.get_kind_display()} recorded: {outcome}.")
            return _to_circle(circle)
    return render(
        request,
        "circles/review.html",
        {
            "circle": circle,
            "milestone": milestone,
            "form": form,
            "covenant": circle.covenants.order_by("-version").first(),
        },
    )


@GET_POST
def meeting_cancel(request, pk, meeting_pk):
    meeting = meeting_for_user(request.user, pk, meeting_pk, CHANGE)
    circle = meeting.circle
    form = MeetingCancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                meeting=meeting, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The meeting on {_when(meeting)} is cancelled.")
            return _to_circle(circle)
    return _action_page(
        request,
        circle,
        form,
        title=f"Cancel the meeting on {_when(meeting)}",
        intro="The volunteers see the meeting as cancelled, with your reason.",
        submit="Cancel the meeting",
        danger=True,
        closed=meeting.status != Meeting.Status.SCHEDULED,
        closed_text=f"This meeting is {meeting.get_status_display().lower()}.",
    )


def _when(meeting):
    return f"{timezone.localtime(meeting.starts_at):%a %d %b %Y at %H:%M}"
