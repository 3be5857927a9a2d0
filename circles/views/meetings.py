"""A circle's meetings: the list (with bank holidays flagged), one-off meetings, and
moving a single meeting, by hand or off a bank holiday in one click."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from circles import services
from circles.access import CHANGE, can_change_circle, circle_for_user, meeting_for_user
from circles.forms.circles import ConfirmForm, MeetingAddForm, MeetingMoveForm
from circles.models import Meeting
from circles.views.circles import _circle_page, _when, flag_holidays
from cosa.views import paginate, posted
from formpages.pages import form_page

GET_POST = require_http_methods(["GET", "POST"])


def _meetings_url(circle):
    return reverse("circles:meetings", args=[circle.pk])


@require_GET
def meetings(request, pk):
    """Every meeting of the circle, upcoming (cancelled ones too, marked) or past."""
    circle = circle_for_user(request.user, pk)
    past = request.GET.get("when") == "past"
    now = timezone.now()
    listed = circle.meetings.select_related("circle")
    if past:
        listed = listed.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    else:
        listed = listed.filter(starts_at__gte=now).order_by("starts_at", "pk")
    page = paginate(request, listed)
    flag_holidays(page.object_list)
    return render(
        request,
        "circles/meetings.html",
        {
            "circle": circle,
            "page": page,
            "past": past,
            "can_change": request.user.is_case_staff and can_change_circle(request.user, circle),
        },
    )


@GET_POST
def meeting_add(request, pk):
    circle = circle_for_user(request.user, pk, CHANGE)
    return form_page(
        request,
        MeetingAddForm(posted(request), initial={"at": circle.meeting_time}),
        save=lambda form: services.meeting_add(
            circle=circle,
            kind=form.cleaned_data["kind"],
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            venue=form.cleaned_data["venue"],
            acting_user=request.user,
        ),
        success_url=_meetings_url(circle),
        message=lambda meeting: f"{meeting.get_kind_display()} arranged for {_when(meeting)}.",
        **_circle_page(
            circle,
            "Arrange a one-off meeting",
            here="One-off meeting",
            intro="A one-to-one, a review or an emergency meeting, outside the pattern. "
            "The circle's volunteers are told of a review or emergency meeting.",
            submit_label="Arrange the meeting",
            closed=circle.status not in services.RUNNING,
            closed_text=f"This circle is {circle.get_status_display().lower()}.",
        ),
    )


@GET_POST
def meeting_move(request, pk, meeting_pk):
    meeting = meeting_for_user(request.user, pk, meeting_pk, CHANGE)
    circle = meeting.circle
    local = timezone.localtime(meeting.starts_at)
    when = _when(meeting)
    return form_page(
        request,
        MeetingMoveForm(posted(request), initial={"on": local.date(), "at": local.time()}),
        save=lambda form: services.meeting_move(
            meeting=meeting,
            starts_at=form.cleaned_data["starts_at"],
            venue=form.cleaned_data["venue"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        ),
        success_url=_meetings_url(circle),
        message=lambda moved: f"The meeting on {when} moved to {_when(moved)}.",
        **_circle_page(
            circle,
            f"Move the meeting on {when}",
            here="Move a meeting",
            intro="The circle's volunteers are told, and see the new time with your reason.",
            submit_label="Move the meeting",
            closed=meeting.status != Meeting.Status.SCHEDULED
            or meeting.starts_at <= timezone.now(),
            closed_text=f"This meeting is {meeting.get_status_display().lower()} and cannot move.",
        ),
    )


@GET_POST
def meeting_move_off_holiday(request, pk, meeting_pk):
    """The one-click move (a POST from the meetings list); a GET asks to confirm."""
    meeting = meeting_for_user(request.user, pk, meeting_pk, CHANGE)
    circle = meeting.circle
    holiday = meeting.bank_holiday
    when = _when(meeting)
    target = services.holiday_move_target(meeting) if holiday else None
    return form_page(
        request,
        ConfirmForm(posted(request)),
        save=lambda form: services.meeting_move_off_holiday(
            meeting=meeting, acting_user=request.user
        ),
        success_url=_meetings_url(circle),
        message=lambda moved: f"The meeting on {when} moved to {_when(moved)}.",
        **_circle_page(
            circle,
            f"Move the meeting on {when} off {holiday or 'the bank holiday'}",
            here="Move off a bank holiday",
            intro=(
                f"{holiday} is a bank holiday. The meeting moves to "
                f"{timezone.localtime(target):%a %d %b %Y at %H:%M}, the next day that is not "
                "one, and the volunteers are told."
                if holiday
                else ""
            ),
            submit_label="Move the meeting",
            closed=holiday is None or meeting.status != Meeting.Status.SCHEDULED,
            closed_text="This meeting is not a scheduled meeting on a bank holiday.",
        ),
    )
