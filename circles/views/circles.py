"""Circle pages: the list, and the circle page a coordinator works from all day.

Each change has its own small page (the confirmation step for destructive ones)
that POSTs to itself, redirects to the circle page on success and shows a
service's refusal on its form.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
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
from circles.forms.circles import (
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
    StepDownForm,
)
from circles.models import Circle, CircleMembership, Meeting, ReviewMilestone
from coreMembers.access import CHANGE as CORE_MEMBER_CHANGE
from coreMembers.access import core_member_for_user
from coreMembers.models import Referral
from cosa.views import csv_response, paginate, paginate_counted, posted, roles_required
from formpages import tokens
from formpages.pages import form_page
from volunteers.access import CHANGE as VOLUNTEER_CHANGE
from volunteers.access import volunteer_for_user
from volunteers.forms import LeaveForm
from volunteers.models import Volunteer

CIRCLE_MEMBERS = (User.Role.COORDINATOR, User.Role.MANAGER, User.Role.VOLUNTEER)
GET_POST = require_http_methods(["GET", "POST"])
REVIEW_DUE_SOON_DAYS = 14


def _circle_list(user, query="", status="", sort="status"):
    circles = (
        circles_visible_to(user)
        .for_list()
        .annotate(
            current_volunteers=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
            served_volunteers=Count("memberships__volunteer", distinct=True),
        )
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


def _circle_url(circle):
    return reverse("circles:detail", args=[circle.pk])


def _circle_page(circle, title, *, here="", **context):
    """What form_page.html shows around a change to a circle: crumbs, tab, a way back."""
    here = here or title
    return {
        "circle": circle,
        "title": title,
        "here": here,
        "page_title": f"{here} · {circle.name}",
        "breadcrumbs": [("Circles", reverse("circles:index")), (circle.name, _circle_url(circle))],
        "cancel_url": _circle_url(circle),
        "cancel_label": "Back without changing anything",
        "closed_label": f"Back to {circle.name}",
        **context,
    }


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
            c.current_volunteers if c.is_open else c.served_volunteers,
        )
        for c in circles.iterator()
    )
    header = ["circle", "core member", "status", "kind", "coordinator", "launched", "planned end"]
    volunteers = "volunteers (open circle: current; ended circle: all who served)"
    return csv_response("circles.csv", [*header, volunteers], rows)


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

    def save(form):
        if open_circle or not referral:
            # The page says why (an open circle, or no accepted referral) instead of a form.
            raise ValidationError("A circle cannot be formed for this Core Member now.")
        pattern = dict(form.cleaned_data)
        coordinator, name, kind = (pattern.pop(key) for key in ("coordinator", "name", "kind"))
        return services.circle_form(
            referral=referral,
            coordinator=coordinator,
            name=name,
            kind=kind,
            acting_user=request.user,
            **pattern,
        )

    core_member_url = reverse("core_members:detail", args=[core_member.pk])
    return form_page(
        request,
        CircleFormForm(posted(request), acting_user=request.user),
        save=save,
        success_url=_circle_url,
        message=lambda circle: (
            f"{circle.name} formed. Next: match volunteers, agree the covenant, then launch."
        ),
        template="circles/create.html",
        title="Form a circle",
        page_title=f"Form a circle · {core_member.reference}",
        heading=f"Form a circle for {core_member}",
        breadcrumbs=[(str(core_member), core_member_url)],
        core_member=core_member,
        referral=referral,
        open_circle=open_circle,
        closed=bool(open_circle or not referral),
        submit_label="Form the circle",
        cancel_url=core_member_url,
        cancel_label="Back",
    )


# The circle page -------------------------------------------------------------------------


@require_GET
def detail(request, pk):
    circle = circle_for_user(request.user, pk)
    staff = request.user.is_case_staff
    now = timezone.now()
    today = timezone.localdate()
    # An ended circle shows everyone who served in it, with their dates.
    memberships = circle.memberships.current() if circle.is_open else circle.memberships.all()
    memberships = memberships.select_related("volunteer__user")
    if staff and circle.is_open:
        # DBS and training are coordinator-only facts about a volunteer (DESIGN §4).
        memberships = memberships.with_vetted(today)
    context = {
        "circle": circle,
        "memberships": memberships,
        "covenant": circle.covenants.order_by("-version").first(),
        # Cancelled ones too, so everyone sees which dates are off and why.
        "upcoming": flag_holidays(
            list(
                circle.meetings.filter(
                    starts_at__gte=now,
                    status__in=[Meeting.Status.SCHEDULED, Meeting.Status.CANCELLED],
                ).order_by("starts_at")[:8]
            )
        ),
        # From the launch on: a forming circle has no history yet (and no query for it).
        "frequency_changes": circle.frequency_changes.for_list()[:10] if circle.launched_on else [],
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
    if staff and circle.status == Circle.Status.FORMING:
        context["checklist"] = services.launch_checklist(circle)
        context["ready_to_launch"] = all(c.met for c in context["checklist"])
    return render(request, "circles/detail.html", context)


@require_GET
def note_detail(request, pk, meeting_pk):
    # The page, its review and observation forms live in views/minutes.py.
    from circles.views.minutes import render_note_detail

    note = note_for_user(request.user, pk, meeting_pk)
    log_access(request, AccessLog.Action.VIEW, note)
    return render_note_detail(request, note)


@require_GET
def concern_detail(request, pk, concern_pk):
    # The page and its triage forms live in views/minutes.py.
    from circles.views.minutes import render_concern_detail

    concern = concern_for_user(request.user, pk, concern_pk)
    log_access(request, AccessLog.Action.VIEW, concern)
    return render_concern_detail(request, concern)


@GET_POST
def coordinator_change(request, pk):
    """A manager hands the circle (and its Core Member) to another coordinator."""
    # Managers only: the circle's own coordinator sees it but may not hand it on (403).
    circle = circle_for_user(request.user, pk, CHANGE, roles=(User.Role.MANAGER,))
    return form_page(
        request,
        CoordinatorChangeForm(posted(request), circle=circle),
        save=lambda form: services.circle_change_coordinator(
            circle=circle, coordinator=form.cleaned_data["coordinator"], acting_user=request.user
        ),
        success_url=_circle_url(circle),
        message=lambda _: f"{circle.name} is now coordinated by {circle.coordinator}.",
        **_circle_page(
            circle,
            f"Hand {circle.name} to another coordinator",
            intro=f"{circle.coordinator} coordinates this circle now.",
            submit_label="Change coordinator",
        ),
    )


# Volunteers ------------------------------------------------------------------------------


def _match_pool(circle, filters):
    """Volunteers not already in the circle nor excluded by the Core Member's exclusion
    areas, with what matching needs, filtered and ranked. One query for a page."""
    in_circle = CircleMembership.objects.filter(
        circle=circle, volunteer=OuterRef("pk"), left_on__isnull=True
    )
    core_member = circle.core_member
    pool = (
        Volunteer.objects.with_readiness()
        .with_match(circle.weekday, circle.meeting_time, core_member.home_district)
        .not_excluded_by(core_member.exclusion_districts)
        .filter(~Exists(in_circle))
    )
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
        pool = pool.dbs_current_is(True)
    if data.get("trained"):
        pool = pool.trained_is(True)
    if data.get("free"):
        pool = pool.free_at(circle.weekday, circle.meeting_time)
    if data.get("near"):
        pool = pool.near(core_member.home_district)
    if data.get("gender"):
        pool = pool.filter(gender=data["gender"])
    if data.get("language"):
        pool = pool.filter(languages__icontains=data["language"])
    if data.get("max_circles") is not None:
        pool = pool.filter(circle_count__lte=data["max_circles"])
    return pool.order_by(*MatchFilterForm.SORTS[data.get("sort") or "match"])


def _pool_page(request, circle, pool):
    """A page of the ranked pool, in two steps: the ranking sorts ids only (the whole
    pool, 50,000 volunteers nationally: rows carrying the user and the readiness columns
    were too wide to sort in memory), then the page's rows are read with all they show."""
    page = paginate_counted(request, pool, "pk")
    ids = [pk for (pk,) in page.object_list]
    rows = (
        Volunteer.objects.filter(pk__in=ids)
        .with_readiness()
        .with_match(circle.weekday, circle.meeting_time, circle.core_member.home_district)
        .select_related("user")
        .in_bulk()
    )
    page.object_list = [rows[pk] for pk in ids]
    return page


# How many excluded volunteers the coordinator sees named on the pool page.
EXCLUDED_SHOWN = 20


def _excluded(circle):
    """Volunteers kept out by the Core Member's exclusion areas, each with the area.

    The pool page is for the circle's coordinator and managers only (circle CHANGE):
    they may see which area; the refusal a service gives names none.
    """
    districts = circle.core_member.exclusion_districts
    if not districts:
        return []
    return list(
        Volunteer.objects.excluded_by(districts)
        .with_exclusion_area(districts)
        .filter(status=Volunteer.Status.ACTIVE)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")[: EXCLUDED_SHOWN + 1]
    )


def _balance(members):
    """The circle's make-up as it stands: gender mix, experience, the primary volunteer."""
    genders = {}
    for membership in members:
        label = membership.volunteer.get_gender_display() or "Not recorded"
        genders[label] = genders.get(label, 0) + 1
    return {
        "genders": sorted(genders.items()),
        "primary": next((m.volunteer for m in members if m.is_primary), None),
        "new_to_circles": sum(1 for m in members if m.circles_served <= 1),
    }


@GET_POST
def match(request, pk):
    """The volunteer pool, filtered and ranked for matching; add one, or tick several."""
    circle = circle_for_user(request.user, pk, CHANGE)

    def add(form):
        return services.memberships_add(
            circle=circle,
            volunteer_ids=form.cleaned_data["volunteers"],
            primary_id=form.cleaned_data["primary"],
            acting_user=request.user,
        )

    def pool_page(add_form):
        filters = MatchFilterForm(request.GET or MatchFilterForm.DEFAULTS, circle=circle)
        add_errors = [message for errors in add_form.errors.values() for message in errors]
        members = list(
            circle.memberships.current()
            .select_related("volunteer__user")
            .annotate(
                circles_served=Count("volunteer__memberships", distinct=True),
            )
            .order_by("-role", "volunteer__user__last_name", "pk")
        )
        excluded = _excluded(circle)
        return render(
            request,
            "circles/match.html",
            {
                "circle": circle,
                "filters": filters,
                "page": _pool_page(request, circle, _match_pool(circle, filters)),
                "members": members,
                "balance": _balance(members),
                "excluded": excluded[:EXCLUDED_SHOWN],
                "excluded_more": len(excluded) > EXCLUDED_SHOWN,
                "excluded_reason": services.EXCLUDED,
                "add_form": add_form,
                "add_errors": add_errors,
                "roles": CircleMembership.Role.choices,
                "max_volunteers": services.MAX_VOLUNTEERS,
                "room": services.MAX_VOLUNTEERS - len(members),
            },
        )

    url = reverse("circles:match", args=[circle.pk])
    query = request.GET.urlencode()
    return form_page(
        request,
        MembershipAddForm(posted(request)),
        save=add,
        # Back to the same filtered list, to add the next one.
        success_url=f"{url}?{query}" if query else url,
        message=_added_message(circle),
        render_with=pool_page,
    )


def _added_message(circle):
    def message(memberships):
        if len(memberships) == 1:
            membership = memberships[0]
            return (
                f"{membership.volunteer} joined {circle.name} as "
                f"{membership.get_role_display().lower()}."
            )
        names = ", ".join(str(m.volunteer) for m in memberships)
        return f"{len(memberships)} volunteers joined {circle.name}: {names}."

    return message


@GET_POST
def membership_end(request, pk, membership_pk):
    membership = membership_for_user(request.user, pk, membership_pk, CHANGE)
    circle = membership.circle
    return form_page(
        request,
        MembershipEndForm(posted(request)),
        save=lambda form: services.membership_end(
            membership=membership,
            acting_user=request.user,
            reason=form.cleaned_data["reason"].strip(),
        ),
        success_url=_circle_url(circle),
        message=f"{membership.volunteer} has left {circle.name}.",
        **_circle_page(
            circle,
            f"End {membership.volunteer}'s membership",
            intro=(
                f"{membership.volunteer} will leave {circle.name} and lose access to it, its "
                "meetings and minutes on their next page."
            ),
            submit_label="End membership",
            danger=True,
            closed=membership.left_on is not None,
            closed_text=f"{membership.volunteer} left this circle on {membership.left_on}.",
        ),
    )


@GET_POST
def volunteer_leave(request, volunteer_pk):
    """Confirm that a volunteer leaves the pool, with a reason; ends their memberships.

    It lives with circles because leaving ends circle memberships (this app's rows); the
    volunteer's page links here.
    """
    volunteer = volunteer_for_user(request.user, volunteer_pk, VOLUNTEER_CHANGE)
    volunteer_url = reverse("volunteers:detail", args=[volunteer.pk])
    name = volunteer.user.get_full_name()
    return form_page(
        request,
        LeaveForm(posted(request)),
        save=lambda form: services.volunteer_leave(
            volunteer=volunteer, reason=form.cleaned_data["reason"], acting_user=request.user
        ),
        success_url=volunteer_url,
        message=f"{volunteer} has left the pool.",
        template="circles/volunteer_leave.html",
        title=f"{name} leaves the pool",
        here="Leaving",
        breadcrumbs=[("Volunteer pool", reverse("volunteers:index")), (name, volunteer_url)],
        volunteer=volunteer,
        memberships=volunteer.memberships.current().select_related("circle"),
        submit_label="Record leaving",
        danger=True,
        cancel_url=volunteer_url,
    )


# Covenant and meeting pattern ------------------------------------------------------------


@GET_POST
def covenant(request, pk):
    """The covenant's versions, and a form to agree a new one."""
    circle = circle_for_user(request.user, pk, CHANGE)
    versions = circle.covenants.select_related("recorded_by").order_by("-version")
    current = versions.first()
    old_frequency = circle.frequency

    def agreed_message(agreed):
        text = f"Covenant version {agreed.version} agreed."
        if agreed.frequency != old_frequency:
            text += (
                f" Meetings are now {agreed.get_frequency_display().lower()}; "
                "future meetings were rescheduled."
            )
        return text

    return form_page(
        request,
        CovenantForm(
            posted(request),
            initial={"goals": current.goals if current else "", "frequency": circle.frequency},
        ),
        save=lambda form: services.covenant_agree(
            circle=circle, acting_user=request.user, **form.cleaned_data
        ),
        success_url=_circle_url(circle),
        message=agreed_message,
        template="circles/covenant.html",
        version=current.version if current else 0,
        **_circle_page(
            circle,
            "Covenant",
            heading=f"Covenant of {circle.name}",
            versions=versions,
            submit_label="Record as agreed",
            closed=not circle.is_open,
            closed_text="This circle has ended.",
        ),
    )


@GET_POST
def pattern(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)

    def saved_message(changed):
        circle, covenant = changed
        text = "Meeting pattern saved."
        if circle.status in (Circle.Status.ACTIVE, Circle.Status.STEP_DOWN):
            text += " Future meetings not yet held were rescheduled."
        if covenant is not None:
            text += (
                f" The frequency changed, so covenant version {covenant.version} was "
                "recorded with the same goals: check them with the circle."
            )
        return text

    return form_page(
        request,
        # The form works on its own copy, so the service sees what is stored now.
        PatternForm(posted(request), instance=Circle.objects.get(pk=circle.pk)),
        save=lambda form: services.circle_change_pattern(
            circle=circle, acting_user=request.user, **form.cleaned_data
        ),
        success_url=_circle_url(circle),
        message=saved_message,
        version=circle.version,
        **_circle_page(
            circle,
            "Meeting pattern",
            intro=(
                "Changing the pattern moves the future meetings that have not been held; past "
                "meetings and their minutes stay as they are. A new frequency records a new "
                "covenant version."
            ),
            submit_label="Save the pattern",
            closed=not circle.is_open,
            closed_text="This circle has ended.",
        ),
    )


# Launch and lifecycle ----------------------------------------------------------------------


@GET_POST
def launch(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    checklist = services.launch_checklist(circle)
    closed_text = f"This circle is {circle.get_status_display().lower()}"
    if circle.launched_on:
        closed_text += f"; it launched on {circle.launched_on:%-d %b %Y}"

    def launched_message(circle):
        last_review = circle.milestones.order_by("due_on").last().due_on
        return (
            f"{circle.name} launched. {circle.meetings.count()} meetings are scheduled and "
            f"{circle.milestones.count()} reviews are due, the last on {last_review:%d %B %Y}."
        )

    return form_page(
        request,
        LaunchForm(posted(request), circle=circle),
        save=lambda form: services.circle_launch(
            circle=circle,
            acting_user=request.user,
            launched_on=form.cleaned_data["launched_on"],
            first_meeting_on=form.cleaned_data["first_meeting_on"],
        ),
        success_url=_circle_url,
        message=launched_message,
        template="circles/launch.html",
        **_circle_page(
            circle,
            "Launch",
            heading=f"Launch {circle.name}",
            checklist=checklist,
            ready=circle.status == Circle.Status.FORMING and all(c.met for c in checklist),
            submit_label="Launch the circle",
            cancel_label="Not yet",
            closed=circle.status != Circle.Status.FORMING,
            closed_text=closed_text + ".",
        ),
    )


def _confirm(request, circle, *, action, title, intro, submit, success, allowed, danger=False):
    """A confirmation page whose POST calls ``action`` (a service) on the circle."""
    return form_page(
        request,
        ConfirmForm(posted(request)),
        save=lambda form: action(circle=circle, acting_user=request.user),
        success_url=_circle_url(circle),
        message=success,
        **_circle_page(
            circle,
            title,
            intro=intro,
            submit_label=submit,
            danger=danger,
            closed=not allowed,
            closed_text=f"This circle is {circle.get_status_display().lower()}.",
        ),
    )


@GET_POST
def step_down(request, pk):
    """Taper the circle: a new frequency from a date, the planned end, the next review."""
    circle = circle_for_user(request.user, pk, CHANGE)
    return form_page(
        request,
        StepDownForm(posted(request), circle=circle),
        save=lambda form: services.circle_taper(
            circle=circle, acting_user=request.user, **form.step_down()
        ),
        success_url=_circle_url(circle),
        message=lambda change: (
            f"{circle.name} is stepping down: {change.get_frequency_display().lower()} from "
            f"{change.from_date:%-d %b %Y}. Future meetings were rescheduled and a new "
            "covenant version recorded."
        ),
        **_circle_page(
            circle,
            f"Step down {circle.name}",
            here="Step down",
            intro=(
                f"The circle meets {circle.get_frequency_display().lower()} now. Stepping "
                "down meets less often from the date you choose: later group meetings are "
                "rescheduled (held meetings and minutes stay), the covenant is re-agreed at "
                "the new frequency, and the next review is set."
            ),
            submit_label="Step down",
            closed=circle.status not in services.RUNNING or circle.frequency == "MONTHLY",
            closed_text=(
                "This circle already meets monthly."
                if circle.status in services.RUNNING
                else f"This circle is {circle.get_status_display().lower()}."
            ),
        ),
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
    return form_page(
        request,
        EndCircleForm(posted(request), circle=circle),
        save=lambda form: services.circle_end(
            circle=circle,
            reason=form.cleaned_data["reason"],
            outcome_notes=form.cleaned_data["outcome_notes"].strip(),
            ended_on=form.cleaned_data["ended_on"],
            acting_user=request.user,
        ),
        success_url=_circle_url(circle),
        message=f"{circle.name} has ended and its outcome is recorded.",
        **_circle_page(
            circle,
            f"End {circle.name}",
            intro=(
                "Ending the circle cancels its future meetings and ends every volunteer's "
                "membership. It cannot be undone."
            ),
            submit_label="End the circle",
            danger=True,
            closed=not circle.is_open,
            closed_text="This circle has already ended.",
        ),
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
    outcomes = {
        ReviewMilestone.Decision.CONTINUE: "the circle continues",
        ReviewMilestone.Decision.STEP_DOWN: "the circle steps down",
        ReviewMilestone.Decision.END: "the circle has ended",
    }
    form = ReviewForm(
        posted(request), circle=circle, initial={"attendees": _suggested_attendees(circle)}
    )

    def conclude(form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.STEP_FIELDS}
        stepping_down = data["decision"] == ReviewMilestone.Decision.STEP_DOWN
        return services.review_conclude(
            milestone=milestone,
            acting_user=request.user,
            step_down=form.step_down() if stepping_down else None,
            **data,
        )

    return form_page(
        request,
        form,
        save=conclude,
        success_url=_circle_url(circle),
        message=lambda _: (
            f"{milestone.get_kind_display()} recorded: {outcomes[form.cleaned_data['decision']]}."
        ),
        template="circles/review.html",
        **_circle_page(
            circle,
            milestone.get_kind_display(),
            heading=f"{milestone.get_kind_display()} of {circle.name}",
            milestone=milestone,
            covenant=circle.covenants.order_by("-version").first(),
            submit_label="Record the review",
        ),
    )


@GET_POST
def meeting_cancel(request, pk, meeting_pk):
    meeting = meeting_for_user(request.user, pk, meeting_pk, CHANGE)
    circle = meeting.circle
    return form_page(
        request,
        MeetingCancelForm(posted(request)),
        save=lambda form: services.meeting_cancel(
            meeting=meeting, reason=form.cleaned_data["reason"], acting_user=request.user
        ),
        success_url=_circle_url(circle),
        message=f"The meeting on {_when(meeting)} is cancelled.",
        **_circle_page(
            circle,
            f"Cancel the meeting on {_when(meeting)}",
            intro=(
                "The meeting stays on the schedule marked cancelled, with your reason, and "
                "the volunteers are told."
            ),
            submit_label="Cancel the meeting",
            danger=True,
            closed=meeting.status != Meeting.Status.SCHEDULED,
            closed_text=f"This meeting is {meeting.get_status_display().lower()}.",
        ),
    )


def flag_holidays(meetings):
    """Give each scheduled meeting on a bank holiday its holiday's name, the time the
    one-click move would take it to, and that button's one-time token (no queries)."""
    for meeting in meetings:
        scheduled = meeting.status == Meeting.Status.SCHEDULED
        meeting.holiday = meeting.bank_holiday if scheduled else None
        if meeting.holiday:
            meeting.holiday_target = services.holiday_move_target(meeting)
            meeting.once_token = tokens.new()
    return meetings


def _when(meeting):
    return f"{timezone.localtime(meeting.starts_at):%a %d %b %Y at %H:%M}"
