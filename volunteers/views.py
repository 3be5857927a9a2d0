"""The volunteer pool: list, profile, the volunteer path, vetting, supervision and hours.

Coordinators and managers see and change the whole pool (they match from it). A
volunteer sees their own profile (never supervision notes or references) and logs
their own hours; any other volunteer's profile answers 404. Liaisons see nothing.
"""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Exists, F, OuterRef, Q, Sum, Value, When, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from cosa.views import csv_response, paginate, roles_required
from formpages.pages import form_page
from volunteers import services
from volunteers.access import (
    CHANGE,
    LOG_HOURS,
    SET_AVAILABILITY,
    can_change_volunteers,
    can_set_availability,
    reference_for_user,
    supervision_visible_to,
    volunteer_for_user,
    volunteers_visible_to,
)
from volunteers.forms import (
    AvailabilityForm,
    DBSCheckForm,
    HoursForm,
    MoveForm,
    PoolFilterForm,
    ProfileForm,
    ReferenceForm,
    ReferenceReceiveForm,
    SupervisionForm,
    TrainingForm,
    VolunteerCreateForm,
)
from volunteers.models import Volunteer, VolunteerHours

# How far ahead a DBS recheck counts as due (the dashboard uses the same window).
RECHECK_WINDOW = datetime.timedelta(days=60)

SORTS = {
    "name": ("user__last_name", "user__first_name", "pk"),
    "status": ("status", "user__last_name", "user__first_name", "pk"),
    "started": (F("started_on").desc(nulls_last=True), "user__last_name", "pk"),
    "recheck": (F("dbs_recheck_due_on").asc(nulls_last=True), "user__last_name", "pk"),
    "circles": ("circle_count", "user__last_name", "user__first_name", "pk"),
}

# What the button for each move along the path says.
MOVE_LABELS = {
    Volunteer.Status.VETTING: "Start vetting",
    Volunteer.Status.TRAINING: "Move to training",
    Volunteer.Status.ACTIVE: "Activate",
    Volunteer.Status.PAUSED: "Pause",
}


# The pool ---------------------------------------------------------------------------------


def _pool(user, filters, today):
    """The pool a user may see, with readiness annotations, filtered and sorted."""
    volunteers = volunteers_visible_to(user).for_list().with_readiness(today)
    if filters.get("status"):
        volunteers = volunteers.filter(status=filters["status"])
    dbs = filters.get("dbs")
    if dbs == "current":
        volunteers = volunteers.dbs_current_is(True, today)
    elif dbs == "due":
        volunteers = volunteers.dbs_current_is(True, today).filter(
            dbs_recheck_due_on__lte=today + RECHECK_WINDOW
        )
    elif dbs == "expired":
        volunteers = volunteers.dbs_current_is(False, today).filter(
            dbs_recheck_due_on__isnull=False
        )
    elif dbs == "none":
        volunteers = volunteers.filter(dbs_recheck_due_on__isnull=True)
    if filters.get("trained"):
        volunteers = volunteers.trained_is(filters["trained"] == "yes")
    circles = filters.get("circles")
    if circles in ("0", "1"):
        volunteers = volunteers.filter(circle_count=int(circles))
    elif circles == "2":
        volunteers = volunteers.filter(circle_count__gte=2)
    query = filters.get("q")
    if query:
        volunteers = volunteers.filter(
            Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__icontains=query)
        )
    return volunteers.order_by(*SORTS[filters.get("sort") or "name"])


@require_GET
@roles_required(*User.STAFF_ROLES, User.Role.VOLUNTEER)
def index(request):
    """Coordinators and managers: the pool. Volunteers go to their circles' start page."""
    if request.user.is_volunteer:
        # A volunteer's start page is about their circles, so it lives with circles.
        return redirect("circles:mine")
    today = timezone.localdate()
    form = PoolFilterForm(request.GET)
    filters = form.filters()
    if filters.get("q"):
        log_access(request, AccessLog.Action.SEARCH, detail=f"volunteers: {filters['q']}")
    page = paginate(request, _pool(request.user, filters, today))
    return render(
        request,
        "volunteers/index.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(filters.keys() - {"sort"}),
            "today": today,
            "recheck_soon": today + RECHECK_WINDOW,
        },
    )


@require_GET
@roles_required(*User.STAFF_ROLES)
def export(request):
    """The pool as CSV, with the same filters as the page; every export is logged."""
    today = timezone.localdate()
    filters = PoolFilterForm(request.GET).filters()
    detail = "volunteers.csv"
    if filters:
        detail += " " + urlencode(sorted(filters.items()))
    log_access(request, AccessLog.Action.EXPORT, detail=detail)
    rows = (
        (
            v.user.get_full_name(),
            v.user.email,
            v.get_status_display(),
            v.started_on,
            "yes" if v.dbs_current else "no",
            v.dbs_recheck_due_on,
            "yes" if v.trained else "no",
            v.circle_count,
        )
        for v in _pool(request.user, filters, today).iterator()
    )
    header = ["name", "e-mail", "status", "started", "DBS current", "DBS recheck due"]
    return csv_response("volunteers.csv", [*header, "trained", "circles"], rows)


@require_http_methods(["GET", "POST"])
@roles_required(*User.STAFF_ROLES)
def create(request):
    """A new applicant: their volunteer account and their place in the pool (APPLIED)."""
    return form_page(
        request,
        VolunteerCreateForm(request.POST or None, initial={"applied_on": timezone.localdate()}),
        save=lambda form: services.volunteer_create(**form.cleaned_data, acting_user=request.user),
        success_url=lambda volunteer: reverse("volunteers:detail", args=[volunteer.pk]),
        message=lambda volunteer: f"{volunteer} has been added to the pool as an applicant.",
        title="New volunteer",
        breadcrumbs=[("Volunteer pool", reverse("volunteers:index"))],
        submit_label="Add to the pool",
    )


@require_GET
@roles_required(User.Role.VOLUNTEER)
def me(request):
    """A volunteer's way to their own profile."""
    volunteer = volunteers_visible_to(request.user).only("pk").first()
    if volunteer is None:
        raise Http404("You are not in the volunteer pool.")
    return redirect("volunteers:detail", pk=volunteer.pk)


# One volunteer -----------------------------------------------------------------------------


def _hours_totals_and_recent(volunteer, recent=5):
    """Hours by kind (meetings, travel, other), in all, and the latest entries, in one
    query: each of the latest rows carries every kind's total over all the rows (a window
    is summed before the LIMIT)."""
    totals_by_kind = {
        kind: Window(Sum(Case(When(kind=kind, then="hours"), default=Value(Decimal("0")))))
        for kind in VolunteerHours.Kind.values
    }
    rows = list(
        volunteer.hours.select_related("circle").annotate(
            **{f"total_{kind.lower()}": total for kind, total in totals_by_kind.items()}
        )[:recent]
    )
    by_kind = {
        kind: (getattr(rows[0], f"total_{kind.lower()}") or Decimal("0")) if rows else Decimal("0")
        for kind in VolunteerHours.Kind.values
    }
    totals = [(label, by_kind[kind]) for kind, label in VolunteerHours.Kind.choices]
    return totals, sum(by_kind.values(), Decimal("0")), rows


HOUR_PERIODS = (("month", "This month"), ("year", "This year"), ("all", "All time"))


def _hours_by_period(volunteer, today=None):
    """Hours by kind for this month, this year and all time, in one query.

    Returns ``(rows, totals)``: rows are ``(label, [hours per period])`` per kind,
    totals ``[hours per period]`` over every kind, periods in ``HOUR_PERIODS`` order.
    """
    today = today or timezone.localdate()
    starts = {"month": today.replace(day=1), "year": today.replace(month=1, day=1)}
    sums = {}
    for kind, _ in VolunteerHours.Kind.choices:
        for period, _ in HOUR_PERIODS:
            condition = Q(kind=kind)
            if period in starts:
                condition &= Q(worked_on__gte=starts[period])
            sums[f"{kind}_{period}"] = Sum("hours", filter=condition, default=Decimal("0"))
    found = volunteer.hours.order_by().aggregate(**sums)
    rows = [
        (label, [found[f"{kind}_{period}"] for period, _ in HOUR_PERIODS])
        for kind, label in VolunteerHours.Kind.choices
    ]
    totals = [
        sum(column, Decimal("0")) for column in zip(*(amounts for _, amounts in rows), strict=True)
    ]
    return rows, totals


def _learning_by_topic(training):
    """Learning hours summed by course (topic), from the records the page already holds."""
    sums = {}
    for record in training:
        if record.hours:
            label = record.get_course_display()
            sums[label] = sums.get(label, Decimal("0")) + record.hours
    return sorted(sums.items())


def _dbs_state(check, today):
    """How the latest DBS check stands: current, due (within 60 days) or overdue."""
    if check is None:
        return "none"
    if check.recheck_due_on <= today:
        return "overdue"
    if check.recheck_due_on <= today + RECHECK_WINDOW:
        return "due"
    return "current"


@require_GET
def detail(request, pk):
    volunteer = volunteer_for_user(request.user, pk)
    staff = can_change_volunteers(request.user)
    today = timezone.localdate()
    dbs_checks = volunteer.dbs_checks.all()
    if staff:
        # With each check's decision (documents'): the documents section, shown to staff,
        # lists them from this read rather than reading the checks again.
        dbs_checks = dbs_checks.select_related("decision")
    dbs_checks = list(dbs_checks)
    totals, total_hours, recent_hours = _hours_totals_and_recent(volunteer)
    districts = list(volunteer.districts.all())
    training = list(volunteer.training.all())
    context = {
        "volunteer": volunteer,
        "staff": staff,
        "can_edit_profile": can_set_availability(request.user, volunteer),
        "travel_districts": [d.district for d in districts if d.kind == d.Kind.TRAVEL],
        # Declared conflicts are the coordinator's: the template shows them to staff only.
        "conflict_districts": [d.district for d in districts if d.kind == d.Kind.CONFLICT]
        if staff
        else [],
        "own": volunteer.user_id == request.user.pk,
        "dbs_checks": dbs_checks,
        "dbs_state": _dbs_state(dbs_checks[0] if dbs_checks else None, today),
        "training": training,
        "learning_by_topic": _learning_by_topic(training),
        "renewal_soon": today + RECHECK_WINDOW,
        "today": today,
        "memberships": volunteer.memberships.select_related("circle").order_by("-joined_on"),
        "hours_totals": totals,
        "hours_total": total_hours,
        "recent_hours": recent_hours,
    }
    if staff:
        # Every session, each marked whether the user may read it, in one query: those
        # held by other coordinators are counted, their notes not shown.
        sessions = list(
            volunteer.supervision_sessions.select_related("coordinator").annotate(
                readable=Exists(supervision_visible_to(request.user).filter(pk=OuterRef("pk")))
            )
        )
        context.update(
            references=volunteer.references.all(),
            supervision=[session for session in sessions if session.readable],
            other_supervision_count=sum(1 for session in sessions if not session.readable),
            moves=[
                (status, MOVE_LABELS[status])
                for status in Volunteer.Status
                if status in Volunteer.TRANSITIONS[volunteer.status] and status in MOVE_LABELS
            ],
            can_leave=Volunteer.Status.LEFT in Volunteer.TRANSITIONS[volunteer.status],
            activation_problems=(
                services.activation_problems(volunteer, today)
                if volunteer.status in (Volunteer.Status.TRAINING, Volunteer.Status.PAUSED)
                else []
            ),
        )
        # A staff read of a volunteer's record includes supervision notes: log it.
        log_access(request, AccessLog.Action.VIEW, volunteer)
    return render(request, "volunteers/detail.html", context)


@require_POST
def move(request, pk):
    """A step along the path (not leaving: that asks for a reason and confirmation)."""
    volunteer = volunteer_for_user(request.user, pk, CHANGE)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status to move to.")
        return redirect("volunteers:detail", pk=volunteer.pk)
    to = form.cleaned_data["to"]
    if to == Volunteer.Status.LEFT:
        # Leaving ends circle memberships: that page lives with circles.
        return redirect("circles:volunteer_leave", volunteer_pk=volunteer.pk)
    try:
        services.volunteer_move(volunteer=volunteer, to=to, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, "Not changed: " + " ".join(error.messages))
    else:
        messages.success(request, f"{volunteer} is now {volunteer.get_status_display()}.")
    return redirect("volunteers:detail", pk=volunteer.pk)


def _volunteer_page(volunteer, title, **context):
    """What form_page.html shows around a change to a volunteer's record."""
    url = reverse("volunteers:detail", args=[volunteer.pk])
    name = volunteer.user.get_full_name()
    return {
        "volunteer": volunteer,
        "title": title,
        "subtitle": f"for {name}",
        "breadcrumbs": [("Volunteer pool", reverse("volunteers:index")), (name, url)],
        "cancel_url": url,
        "cancel_label": f"Back to {name}",
        **context,
    }


def _record_page(request, volunteer, form, *, title, submit_label, save, success):
    """A vetting or supervision record: ``save`` (a service) takes the cleaned data."""
    return form_page(
        request,
        form,
        save=lambda form: save(form.cleaned_data),
        success_url=reverse("volunteers:detail", args=[volunteer.pk]),
        message=success,
        **_volunteer_page(volunteer, title, submit_label=submit_label),
    )


@require_http_methods(["GET", "POST"])
def dbs_new(request, pk):
    volunteer = volunteer_for_user(request.user, pk, CHANGE)
    return _record_page(
        request,
        volunteer,
        DBSCheckForm(request.POST or None),
        title="Record a DBS check",
        submit_label="Record DBS check",
        save=lambda data: services.dbs_check_record(
            volunteer=volunteer, acting_user=request.user, **data
        ),
        success="DBS check recorded.",
    )


@require_http_methods(["GET", "POST"])
def reference_new(request, pk):
    volunteer = volunteer_for_user(request.user, pk, CHANGE)
    return _record_page(
        request,
        volunteer,
        ReferenceForm(request.POST or None, initial={"requested_on": timezone.localdate()}),
        title="Request a reference",
        submit_label="Record reference request",
        save=lambda data: services.reference_record(
            volunteer=volunteer, acting_user=request.user, **data
        ),
        success="Reference request recorded.",
    )


@require_http_methods(["GET", "POST"])
def reference_edit(request, pk, reference_pk):
    reference = reference_for_user(request.user, pk, reference_pk, CHANGE)
    volunteer = reference.volunteer
    initial = {
        "received_on": reference.received_on,
        "satisfactory": {True: "yes", False: "no", None: ""}[reference.satisfactory],
        "notes": reference.notes,
    }
    return _record_page(
        request,
        volunteer,
        ReferenceReceiveForm(request.POST or None, initial=initial),
        title=f"Reference from {reference.referee_name}",
        submit_label="Save reference",
        save=lambda data: services.reference_receive(
            reference=reference, acting_user=request.user, **data
        ),
        success="Reference updated.",
    )


@require_http_methods(["GET", "POST"])
def training_new(request, pk):
    volunteer = volunteer_for_user(request.user, pk, CHANGE)
    return _record_page(
        request,
        volunteer,
        TrainingForm(request.POST or None),
        title="Record training",
        submit_label="Record training",
        save=lambda data: services.training_record(
            volunteer=volunteer, acting_user=request.user, **data
        ),
        success="Training recorded.",
    )


@require_http_methods(["GET", "POST"])
def supervision_new(request, pk):
    volunteer = volunteer_for_user(request.user, pk, CHANGE)
    return _record_page(
        request,
        volunteer,
        SupervisionForm(request.POST or None, initial={"held_on": timezone.localdate()}),
        title="Record a supervision session",
        submit_label="Record supervision",
        save=lambda data: services.supervision_record(
            volunteer=volunteer, acting_user=request.user, **data
        ),
        success="Supervision session recorded.",
    )


@require_http_methods(["GET", "POST"])
def hours(request, pk):
    """The hours log with totals; staff and the volunteer themself log hours here."""
    volunteer = volunteer_for_user(request.user, pk, LOG_HOURS)
    form = HoursForm(
        request.POST or None, volunteer=volunteer, initial={"worked_on": timezone.localdate()}
    )
    totals, total = _hours_by_period(volunteer)
    page = paginate(request, volunteer.hours.select_related("circle").order_by("-worked_on", "-pk"))
    staff = can_change_volunteers(request.user)
    name = volunteer.user.get_full_name()
    url = reverse("volunteers:detail", args=[volunteer.pk])
    breadcrumbs = [("Volunteer pool", reverse("volunteers:index"))] if staff else []
    return form_page(
        request,
        form,
        save=lambda form: services.hours_log(
            volunteer=volunteer, acting_user=request.user, **form.cleaned_data
        ),
        success_url=reverse("volunteers:hours", args=[volunteer.pk]),
        message=lambda _: f"{form.cleaned_data['hours']} hours logged.",
        template="volunteers/hours.html",
        title=f"Hours: {name}",
        here="Hours",
        breadcrumbs=[*breadcrumbs, (name, url)],
        volunteer=volunteer,
        page=page,
        totals=totals,
        total=total,
        periods=HOUR_PERIODS,
        staff=staff,
        submit_label="Log hours",
    )


@require_http_methods(["GET", "POST"])
def profile(request, pk):
    """The matching profile. Staff edit all of it; a volunteer their availability and travel."""
    volunteer = volunteer_for_user(request.user, pk, SET_AVAILABILITY)
    volunteer = (
        Volunteer.objects.prefetch_related("districts").select_related("user").get(pk=volunteer.pk)
    )
    if not can_set_availability(request.user, volunteer):
        raise PermissionDenied("This record can no longer be changed.")
    staff = can_change_volunteers(request.user)
    form_class = ProfileForm if staff else AvailabilityForm
    form = form_class(request.POST or None, volunteer=volunteer)
    service = services.volunteer_profile_set if staff else services.volunteer_availability_set
    return form_page(
        request,
        form,
        save=lambda form: service(
            volunteer=volunteer, acting_user=request.user, **form.cleaned_data
        ),
        success_url=reverse("volunteers:detail", args=[volunteer.pk]),
        message="Matching profile saved." if staff else "Availability saved.",
        **_volunteer_page(
            volunteer,
            "Matching profile" if staff else "Availability and travel",
            submit_label="Save",
        ),
    )


@require_GET
def hours_export(request, pk):
    """The volunteer's hours as CSV: every row, then the totals by period."""
    volunteer = volunteer_for_user(request.user, pk, LOG_HOURS)
    entries = volunteer.hours.select_related("circle").order_by("worked_on", "pk")
    rows = [
        [
            entry.worked_on.isoformat(),
            entry.get_kind_display(),
            entry.hours,
            entry.circle.name if entry.circle else "",
            "from the minutes" if entry.meeting_id else "logged",
            entry.note,
        ]
        for entry in entries
    ]
    totals, total = _hours_by_period(volunteer)
    for (_, label), amount in zip(HOUR_PERIODS, total, strict=True):
        rows.append([f"Total {label.lower()}", "", f"{amount:.2f}", "", "", ""])
    log_access(request, AccessLog.Action.EXPORT, volunteer, detail="hours CSV")
    return csv_response(
        f"hours-{volunteer.pk}.csv", ["Date", "What for", "Hours", "Circle", "Source", "Note"], rows
    )
