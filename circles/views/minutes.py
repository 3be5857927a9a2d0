"""Minutes, observations, contacts and concerns: the volunteer's start page, the
minutes form, the coordinator's dashboard and review, concern triage, the risk trend.

Access: every object is reached through ``circles.access`` (404 unseen, 403 read-only);
services do every write; reads of minutes, concerns and a Core Member's trend are logged.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles import needs, risk, services
from circles.access import (
    CHANGE,
    WRITE,
    CircleScope,
    MinutesTaken,
    can_change_circle,
    circle_for_user,
    circles_visible_to,
    concern_for_user,
    minutes_to_write_for_user,
    note_for_user,
)
from circles.forms.minutes import (
    RISK_SHORT_LABELS,
    CloseConcernForm,
    ConcernForm,
    ContactForm,
    EmergencyRequestForm,
    NoteForm,
    ObservationForm,
    ReviewForm,
    TriageForm,
)
from circles.models import (
    CircleMembership,
    Concern,
    Meeting,
    MeetingNote,
    minutes_due_expression,
)
from circles.views.safeguarding import safeguarding_context
from coreMembers.access import FULL, core_member_for_user
from cosa.views import first_rows_and_count, paginate, roles_required
from formpages import guard
from formpages.pages import form_page

LIST_LIMIT = 25
# Each dashboard list shows its first few, most urgent first, beside the count of all:
# the page is for seeing what needs doing now, and it renders seven lists.
DASHBOARD_LIMIT = 10


def _core_member_name(circle):
    core_member = circle.core_member
    return core_member.preferred_name or core_member.first_name


# Volunteer start page -------------------------------------------------------------------


@require_GET
@roles_required(User.Role.VOLUNTEER)
def mine(request):
    """My circles and their next meeting, minutes I owe, my recent minutes."""
    user = request.user
    now = timezone.now()
    circles = circles_visible_to(user)
    upcoming = Meeting.objects.filter(
        circle=OuterRef("pk"), status=Meeting.Status.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at")
    my_circles = (
        circles.select_related("core_member")
        .annotate(
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
            next_meeting_venue=Subquery(upcoming.values("venue")[:1]),
            next_meeting_kind=Subquery(upcoming.values("kind")[:1]),
        )
        .order_by("name", "pk")
    )
    joined_on = CircleMembership.objects.current().filter(
        circle=OuterRef("circle"), volunteer__user=user
    )
    others_note = MeetingNote.objects.filter(meeting=OuterRef("pk")).exclude(
        author=user, status=MeetingNote.Status.DRAFT
    )
    owed = (
        Meeting.objects.filter(circle__in=circles)
        .minutes_outstanding()
        # Group meetings are anyone's to write up; a contact is its logger's.
        .filter(Q(kind=Meeting.Kind.GROUP) | Q(requested_by=user))
        .exclude(Exists(others_note))
        .annotate(joined_on=Subquery(joined_on.values("joined_on")[:1]))
        # Meetings before the volunteer joined are not theirs, unless they began the draft.
        .filter(Q(starts_at__date__gte=F("joined_on")) | Q(notes__author=user))
        .select_related("circle")
        .prefetch_related("notes")
        .order_by("starts_at")[:LIST_LIMIT]
    )
    recent = (
        MeetingNote.objects.filter(author=user, meeting__circle__in=circles)
        .select_related("meeting__circle")
        .annotate(due_at=minutes_due_expression("meeting__"))
        .order_by("-meeting__starts_at")[:10]
    )
    return render(
        request,
        "circles/minutes/mine.html",
        {"circles": my_circles, "owed": owed, "recent": recent, "now": now},
    )


# Minutes ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def note_write(request, pk, meeting_pk):
    try:
        meeting, note = minutes_to_write_for_user(request.user, pk, meeting_pk)
    except MinutesTaken as taken:
        # A volunteer who posted their own minutes keeps them as an observation; anyone
        # else (staff) is refused as before.
        if request.method != "POST" or not request.user.is_volunteer:
            raise
        return _minutes_taken(request, taken.note)
    try:
        return _note_write(request, meeting, note)
    except MinutesTaken as taken:
        # Lost the race inside the service: another volunteer's minutes landed first.
        if not request.user.is_volunteer:
            raise
        return _minutes_taken(request, taken.note)


def _minutes_taken(request, note):
    """The writer who lost the race keeps every word, and adds it with one click."""
    circle = note.meeting.circle
    text = request.POST.get("summary", "").strip()
    observation = ObservationForm(initial={"text": text})
    guard.prepare(request, observation)
    concern = None
    if request.POST.get("raise_concern"):
        concern = ConcernForm(request.POST)
        guard.prepare(request, concern)
    return render(
        request,
        "circles/minutes/taken.html",
        {
            "note": note,
            "meeting": note.meeting,
            "circle": circle,
            "observation": observation,
            "concern": concern,
            "posted": request.POST,
        },
        status=409,
    )


def _note_write(request, meeting, note):
    circle = meeting.circle
    if meeting.status == Meeting.Status.CANCELLED or meeting.starts_at > timezone.now():
        messages.error(request, "Minutes can be written once the meeting has taken place.")
        return redirect("circles:detail", pk=circle.pk)
    form_kwargs = {"circle": circle, "core_member_name": _core_member_name(circle)}
    if request.method == "POST":
        form = NoteForm(request.POST, **form_kwargs)
    else:
        if note is not None:
            log_access(request, AccessLog.Action.VIEW, note)
        form = NoteForm(initial=NoteForm.initial_from(note, meeting, request.user), **form_kwargs)

    def save(form):
        submit = request.POST.get("action") == "submit" or (
            note is not None and note.status != MeetingNote.Status.DRAFT
        )
        return services.note_record(
            meeting=meeting,
            acting_user=request.user,
            volunteers_present=form.cleaned_data["volunteers_present"],
            submit=submit,
            concern=form.cleaned_data["concern"] or None,
            version=form.cleaned_data.get("version"),
            **form.note_fields(),
        )

    def saved_url(saved):
        _, concern = saved
        if concern is not None:
            return reverse("circles:concern_detail", args=[circle.pk, concern.pk])
        return reverse("circles:note_detail", args=[circle.pk, meeting.pk])

    def saved_message(saved):
        if saved[0].status == MeetingNote.Status.SUBMITTED:
            return "Thank you: the minutes are with the coordinator."
        return "Draft saved. Submit it within 48 hours."

    return form_page(
        request,
        form,
        save=save,
        success_url=saved_url,
        message=saved_message,
        template="circles/minutes/note_form.html",
        version=note.version if note is not None else None,
        title="Minutes",
        heading=f"Minutes: {circle.name}",
        back_url=reverse("circles:mine"),
        back_label="My circles",
        form_css="minutes-form",
        meeting=meeting,
        circle=circle,
        note=note,
        core_member_name=_core_member_name(circle),
        concerns=meeting.concerns.filter(raised_by=request.user),
    )


def render_note_detail(request, note, *, observation_form=None, review_form=None, status=200):
    """The minutes page; also re-rendered with a form's errors after a bad POST."""
    user = request.user
    circle = note.meeting.circle
    staff = user.is_case_staff
    can_review = (
        staff and note.status == MeetingNote.Status.SUBMITTED and can_change_circle(user, circle)
    )
    is_member = user.is_volunteer
    context = {
        "note": note,
        "circle": circle,
        "staff": staff,
        "present": note.volunteers_present.select_related("user"),
        "observations": note.observations.select_related("author"),
        "risk_rows": [
            (RISK_SHORT_LABELS[field], getattr(note, field)) for field in MeetingNote.RISK_FIELDS
        ],
        "can_edit": note.is_editable and note.author_id == user.pk,
        "can_observe": is_member and note.is_editable,
        "can_review": can_review,
        "observation_form": observation_form or ObservationForm(),
        "review_form": review_form or ReviewForm(),
        "is_late": note.submitted_at is not None
        and note.submitted_at > note.meeting.minutes_due_at,
        "concerns": note.meeting.concerns.all() if staff else [],
    }
    return render(request, "circles/note_detail.html", context, status=status)


@require_POST
def observation_add(request, pk, meeting_pk):
    note = note_for_user(request.user, pk, meeting_pk, roles=(User.Role.VOLUNTEER,))
    if not note.is_editable:
        raise PermissionDenied("Reviewed minutes are read-only.")
    return form_page(
        request,
        ObservationForm(request.POST),
        save=lambda form: services.observation_add(
            note=note, acting_user=request.user, text=form.cleaned_data["text"]
        ),
        success_url=reverse("circles:note_detail", args=[pk, meeting_pk]),
        message="Your observation has been added.",
        render_with=lambda form: render_note_detail(request, note, observation_form=form),
    )


@require_POST
def note_review(request, pk, meeting_pk):
    note = note_for_user(request.user, pk, meeting_pk, CHANGE, roles=User.STAFF_ROLES)
    return form_page(
        request,
        ReviewForm(request.POST),
        save=lambda form: services.note_review(
            note=note, acting_user=request.user, comment=form.cleaned_data["comment"]
        ),
        success_url=reverse("circles:dashboard"),
        message="Minutes marked reviewed.",
        render_with=lambda form: render_note_detail(request, note, review_form=form),
    )


# Contacts and emergency meetings ---------------------------------------------------------


def _minutes_page(circle, title, heading, **context):
    """What a volunteer's minutes-side form page shows around its form."""
    return {
        "circle": circle,
        "title": title,
        "heading": f"{heading}: {circle.name}",
        "back_url": reverse("circles:mine"),
        "back_label": "My circles",
        "form_css": "minutes-form",
        **context,
    }


@require_http_methods(["GET", "POST"])
def contact_log(request, pk):
    """A one-to-one or phone contact that happened; then its minutes."""
    circle = circle_for_user(request.user, pk, WRITE)
    return form_page(
        request,
        ContactForm(request.POST or None),
        save=lambda form: services.meeting_log_contact(
            circle=circle,
            kind=form.cleaned_data["kind"],
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            venue=form.cleaned_data["venue"].strip(),
            acting_user=request.user,
        ),
        success_url=lambda meeting: reverse("circles:note_write", args=[circle.pk, meeting.pk]),
        message="Contact logged. Now write down what was said.",
        template="circles/minutes/contact_form.html",
        **_minutes_page(circle, "Log a contact", "Log a contact"),
    )


@require_http_methods(["GET", "POST"])
def emergency_request(request, pk):
    """Ask for an emergency circle meeting; the coordinator is told at once."""
    circle = circle_for_user(request.user, pk, roles=(User.Role.VOLUNTEER,))

    def requested_url(requested):
        _, concern = requested
        if concern is not None:
            return reverse("circles:concern_detail", args=[circle.pk, concern.pk])
        return reverse("circles:mine")

    return form_page(
        request,
        EmergencyRequestForm(request.POST or None, circle=circle),
        save=lambda form: services.emergency_meeting_request(
            circle=circle,
            starts_at=form.cleaned_data["starts_at"],
            venue=form.cleaned_data["venue"],
            concern=form.cleaned_data["concern"] or None,
            acting_user=request.user,
        ),
        success_url=requested_url,
        message="Your coordinator has been told and will confirm the meeting.",
        template="circles/minutes/emergency_form.html",
        **_minutes_page(circle, "Ask for an emergency meeting", "Ask for an emergency meeting"),
    )


# Concerns -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def concern_raise(request, pk):
    circle = circle_for_user(request.user, pk, roles=(User.Role.VOLUNTEER, *User.STAFF_ROLES))
    return form_page(
        request,
        ConcernForm(request.POST or None),
        save=lambda form: services.concern_raise(
            circle=circle, acting_user=request.user, **form.cleaned_data["concern"]
        ),
        success_url=lambda concern: reverse("circles:concern_detail", args=[circle.pk, concern.pk]),
        message="Your concern has been recorded.",
        template="circles/minutes/concern_form.html",
        **{
            **_minutes_page(circle, "Raise a concern", "Raise a concern"),
            # Staff raise concerns too: back to the circle, not to a volunteer's list.
            "back_url": reverse("circles:detail", args=[circle.pk]),
            "back_label": circle.name,
        },
    )


def share_url(concern):
    """The information-sharing compose page for this concern, once that page exists."""
    for kwargs in ({}, {"pk": concern.circle.core_member_id}):
        try:
            return reverse("sharing:record_compose", kwargs=kwargs) + f"?concern={concern.pk}"
        except NoReverseMatch:
            continue
    return None


def render_concern_detail(request, concern, *, triage_form=None, close_form=None, status=200):
    user = request.user
    circle = concern.circle
    staff = user.is_case_staff
    can_triage = staff and can_change_circle(user, circle)
    can_close = can_triage and concern.status in (Concern.Status.RAISED, Concern.Status.TRIAGED)
    context = {
        "concern": concern,
        "circle": circle,
        "staff": staff,
        "can_triage": can_triage and concern.status == Concern.Status.RAISED,
        "can_close": can_close,
        # Sharing is open while closing is.
        "can_share": can_close,
        "share_available": share_url(concern) is not None,
        "triage_form": triage_form or TriageForm(),
        "close_form": close_form or CloseConcernForm(),
        "show_emergency": concern.needs_immediate_attention
        and not staff
        and concern.status == Concern.Status.RAISED,
        # Read with the concern (concern_for_user).
        "minutes_exist": concern.minutes_exist,
        **safeguarding_context(request, concern, can_change=can_triage),
    }
    return render(request, "circles/concern_detail.html", context, status=status)


@require_POST
def concern_triage(request, pk, concern_pk):
    """Mark a concern triaged; with ``action=share`` go on to the sharing page."""
    concern = concern_for_user(request.user, pk, concern_pk, CHANGE, roles=User.STAFF_ROLES)
    share = request.POST.get("action") == "share"

    def triage(form):
        if concern.status == Concern.Status.RAISED or not share:
            services.concern_triage(
                concern=concern, acting_user=request.user, notes=form.cleaned_data["notes"]
            )

    def sharing_page():
        return share_url(concern) if share else None

    return form_page(
        request,
        TriageForm(request.POST),
        save=triage,
        success_url=lambda _: (
            sharing_page() or reverse("circles:concern_detail", args=[pk, concern.pk])
        ),
        # Going on to share says nothing yet: the sharing page has its own message.
        message=lambda _: None if sharing_page() else "Concern marked triaged.",
        render_with=lambda form: render_concern_detail(request, concern, triage_form=form),
    )


@require_POST
def concern_close(request, pk, concern_pk):
    concern = concern_for_user(request.user, pk, concern_pk, CHANGE, roles=User.STAFF_ROLES)
    return form_page(
        request,
        CloseConcernForm(request.POST),
        save=lambda form: services.concern_close(
            concern=concern, acting_user=request.user, reason=form.cleaned_data["reason"]
        ),
        success_url=reverse("circles:dashboard"),
        message="Concern closed.",
        render_with=lambda form: render_concern_detail(request, concern, close_form=form),
    )


# Submitted minutes waiting longer than this are flagged on the dashboard.
REVIEW_FLAG_HOURS = 48


# Coordinator dashboard --------------------------------------------------------------------


# Each full list's heading, and what it says when empty.
DASHBOARD_LISTS = {
    "concerns": ("Concerns to triage", "None waiting."),
    "minutes-to-review": ("Minutes to review", "Nothing to review."),
    "minutes-overdue": ("Minutes overdue", "None overdue."),
}


@require_GET
@roles_required(*User.STAFF_ROLES)
def dashboard_list(request, which):
    """One of the dashboard's lists in full, a page at a time."""
    if which not in DASHBOARD_LISTS:
        raise Http404("No such list.")
    now = timezone.now()
    queryset = needs.dashboard_lists(CircleScope(request.user, CHANGE), now)[which]
    title, empty = DASHBOARD_LISTS[which]
    return render(
        request,
        "circles/minutes/dashboard_list.html",
        {
            "which": which,
            "title": title,
            "empty": empty,
            "page": paginate(request, queryset),
            "now": now,
            "review_flag_before": now - datetime.timedelta(hours=REVIEW_FLAG_HOURS),
            "review_flag_hours": REVIEW_FLAG_HOURS,
        },
    )


@require_GET
@roles_required(*User.STAFF_ROLES)
def dashboard(request):
    """The coordinator's start page: what needs them, most urgent first.

    A manager's covers the whole service: what is urgent is read live (concerns to
    triage, emergency requests), the rest is the service summary's counts, with when
    they were counted (reports' ``service_workload`` tag): counted live at national
    scale, they took seconds."""
    user = request.user
    scope = CircleScope(user, CHANGE)
    now = timezone.now()
    lists = needs.dashboard_lists(scope, now)
    emergencies = (
        Meeting.objects.filter(
            scope.q("circle"),
            kind=Meeting.Kind.EMERGENCY,
            status=Meeting.Status.SCHEDULED,
            starts_at__gte=now - datetime.timedelta(days=1),
        )
        .select_related("circle", "requested_by")
        .only(*needs.MEETING_FIELDS, "venue", "requested_by__first_name", "requested_by__last_name")
        .order_by("starts_at")
    )
    # Each list and its count in one query (the badges show the counts).
    # Read off the triage-order index: the first few, and the count apart.
    concerns, concern_count = first_rows_and_count(
        lists["concerns"], DASHBOARD_LIMIT, count_apart=True
    )
    context = {
        "service_wide": scope.everywhere,
        # The caseload's circles as read once, for the other apps' sections (supervision).
        "scope": scope,
        "concerns": concerns,
        "concern_count": concern_count,
        "emergencies": emergencies[:DASHBOARD_LIMIT],
        "limit": DASHBOARD_LIMIT,
        "now": now,
    }
    if not scope.everywhere:
        review_queue, review_count = first_rows_and_count(
            lists["minutes-to-review"], DASHBOARD_LIMIT
        )
        overdue, overdue_count = first_rows_and_count(lists["minutes-overdue"], DASHBOARD_LIMIT)
        rises = risk.recent_rises(scope.circles(), now)
        context.update(
            review_queue=review_queue,
            review_count=review_count,
            overdue=overdue,
            overdue_count=overdue_count,
            rises=rises[:DASHBOARD_LIMIT],
            rise_count=len(rises),
            needs=needs.needs_for(user, scope, now),
            # Minutes waiting longer than this for review are flagged.
            review_flag_before=now - datetime.timedelta(hours=REVIEW_FLAG_HOURS),
            review_flag_hours=REVIEW_FLAG_HOURS,
        )
    return render(request, "circles/minutes/dashboard.html", context)


@require_GET
def risk_trend(request, core_member_pk):
    """The dynamic-risk observations of one Core Member over the last year."""
    core_member = core_member_for_user(request.user, core_member_pk, FULL)
    log_access(request, AccessLog.Action.VIEW, core_member, detail="dynamic-risk trend")
    trend = risk.trend(core_member, timezone.now())
    return render(
        request,
        "circles/minutes/risk_trend.html",
        {
            "core_member": core_member,
            **trend,
            "labels": [RISK_SHORT_LABELS[field] for field in MeetingNote.RISK_FIELDS],
            "width": risk.CHART_WIDTH,
            "mid": risk.CHART_WIDTH // 2,
            "height": risk.CHART_HEIGHT,
            "pad_left": risk.CHART_PAD_LEFT,
            "right": risk.CHART_WIDTH - risk.CHART_PAD_RIGHT,
        },
    )
