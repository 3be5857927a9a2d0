"""Step down, resume, end; reviews whose decision acts on the circle; cancelling a meeting."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.models import Circle, Meeting, ReviewMilestone
from circles.tests.factories import launchable_circle
from coreMembers.models import CoreMember

pytestmark = pytest.mark.django_db

OUTCOME = "Living independently; knows how to reach his offender manager."


@pytest.fixture
def circle(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    return services.circle_launch(circle=circle, acting_user=coordinator)


def _member_user(circle):
    return circle.memberships.current().select_related("volunteer__user")[0].volunteer.user


def _url(name, circle, *args):
    return reverse(f"circles:{name}", args=[circle.pk, *args])


def _status(circle):
    return Circle.objects.get(pk=circle.pk).status


def _today():
    return timezone.localdate().isoformat()


def _milestone(circle, kind="M3"):
    return circle.milestones.get(kind=kind)


def _next_meeting(circle):
    return circle.meetings.upcoming().first()


CHANGE_PAGES = {
    "step_down": lambda c: _url("step_down", c),
    "resume": lambda c: _url("resume", c),
    "end": lambda c: _url("end", c),
    "review": lambda c: _url("review", c, _milestone(c).pk),
    "meeting_cancel": lambda c: _url("meeting_cancel", c, _next_meeting(c).pk),
}


def STEP_DOWN_DATA():  # noqa: N802 (reads like the constants beside it)
    in_90_days = timezone.localdate() + datetime.timedelta(days=90)
    return {
        "frequency": "FORTNIGHTLY",
        "from_date": _today(),
        "planned_end_on": "",
        "next_review_on": in_90_days.isoformat(),
    }


END_DATA = {"reason": "COMPLETED", "ended_on": "", "outcome_notes": OUTCOME, "decision": "END"}


# Who may do these ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(CHANGE_PAGES))
@pytest.mark.parametrize("user_factory", [CoordinatorFactory, LiaisonFactory])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_are_told_the_circle_does_not_exist(client, circle, page, user_factory, method):
    url = CHANGE_PAGES[page](circle)
    client.force_login(user_factory())
    response = getattr(client, method)(url, END_DATA | {"ended_on": _today()})
    assert response.status_code == 404
    assert _status(circle) == Circle.Status.ACTIVE
    assert not circle.milestones.filter(completed_on__isnull=False).exists()
    assert not circle.meetings.filter(status=Meeting.Status.CANCELLED).exists()


@pytest.mark.parametrize("page", sorted(CHANGE_PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_circles_volunteer_may_not_change_it(client, circle, page, method):
    url = CHANGE_PAGES[page](circle)
    client.force_login(_member_user(circle))
    response = getattr(client, method)(url, END_DATA | {"ended_on": _today(), "reason": "x"})
    assert response.status_code == 403
    assert _status(circle) == Circle.Status.ACTIVE
    assert not circle.milestones.filter(completed_on__isnull=False).exists()
    assert not circle.meetings.filter(status=Meeting.Status.CANCELLED).exists()


def test_the_volunteer_sees_the_circle_page_without_controls(client, circle):
    client.force_login(_member_user(circle))
    body = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    for page in CHANGE_PAGES:
        assert CHANGE_PAGES[page](circle) not in body
    assert "Run this circle" not in body
    assert "Reviews" not in body


def test_the_coordinators_circle_page_links_every_action(client, circle, coordinator):
    client.force_login(coordinator)
    body = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    for name in ("match", "covenant", "pattern", "step_down", "end"):
        assert _url(name, circle) in body, name
    assert _url("review", circle, _milestone(circle).pk) in body
    assert _url("meeting_cancel", circle, _next_meeting(circle).pk) in body
    assert _url("resume", circle) not in body


# Step down and resume --------------------------------------------------------------------------


def test_step_down_asks_then_steps_down_and_resume_brings_it_back(client, circle, coordinator):
    client.force_login(coordinator)
    page = client.get(_url("step_down", circle))
    assert page.status_code == 200
    assert "Step down</button>" in page.content.decode()
    assert _status(circle) == Circle.Status.ACTIVE

    response = client.post(_url("step_down", circle), STEP_DOWN_DATA())
    assert response.status_code == 302
    assert _status(circle) == Circle.Status.STEP_DOWN
    assert "is stepping down" in client.get(response["Location"]).content.decode()

    response = client.post(_url("resume", circle))
    assert response.status_code == 302
    assert _status(circle) == Circle.Status.ACTIVE


def test_resuming_an_active_circle_is_refused_on_the_page(client, circle, coordinator):
    client.force_login(coordinator)
    response = client.post(_url("resume", circle))
    assert response.status_code == 200
    assert "This circle is active." in response.content.decode()
    assert _status(circle) == Circle.Status.ACTIVE


# Ending ------------------------------------------------------------------------------------------


def test_ending_records_the_reason_and_outcome_and_winds_the_circle_up(client, circle, coordinator):
    client.force_login(coordinator)
    today = timezone.localdate()
    response = client.post(
        _url("end", circle),
        {"reason": "COMPLETED", "ended_on": today.isoformat(), "outcome_notes": OUTCOME},
    )
    assert response.status_code == 302
    circle.refresh_from_db()
    assert (circle.status, circle.end_reason, circle.ended_on, circle.outcome_notes) == (
        Circle.Status.ENDED,
        "COMPLETED",
        today,
        OUTCOME,
    )
    assert not circle.meetings.upcoming().exists()
    assert not circle.memberships.current().exists()
    assert circle.core_member.status == CoreMember.Status.ENDED
    page = client.get(response["Location"]).content.decode()
    assert "has ended and its outcome is recorded" in page
    assert OUTCOME in page
    assert "Run this circle" not in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "", "outcome_notes": OUTCOME}, "This field is required."),
        ({"reason": "BORED", "outcome_notes": OUTCOME}, "Select a valid choice."),
        ({"reason": "COMPLETED", "outcome_notes": ""}, "This field is required."),
        (
            {"reason": "COMPLETED", "outcome_notes": OUTCOME, "ended_on": "2999-01-01"},
            "in the future",
        ),
        (
            {"reason": "COMPLETED", "outcome_notes": OUTCOME, "ended_on": "2000-01-01"},
            "The circle launched on",
        ),
    ],
)
def test_bad_end_input_is_a_form_error_and_the_circle_stays_open(
    client, circle, coordinator, data, message
):
    client.force_login(coordinator)
    response = client.post(_url("end", circle), {"ended_on": _today()} | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _status(circle) == Circle.Status.ACTIVE
    assert circle.memberships.current().count() == 3
    assert circle.meetings.upcoming().exists()


def test_an_ended_circle_cannot_be_ended_again(client, circle, coordinator):
    services.circle_end(circle=circle, reason="WITHDREW", acting_user=coordinator)
    client.force_login(coordinator)
    assert "has already ended" in client.get(_url("end", circle)).content.decode()
    client.post(
        _url("end", circle),
        {"reason": "COMPLETED", "ended_on": _today(), "outcome_notes": OUTCOME},
    )
    circle.refresh_from_db()
    assert circle.end_reason == "WITHDREW"


# Reviews ------------------------------------------------------------------------------------------


def _review(decision, **extra):
    return {
        "completed_on": _today(),
        "attendees": "Coordinator, Core Member, three volunteers",
        "progress_notes": "Working towards every goal.",
        "decision": decision,
        **extra,
    }


def test_the_review_page_shows_the_covenant_goals_and_suggests_attendees(
    client, circle, coordinator
):
    client.force_login(coordinator)
    body = client.get(_url("review", circle, _milestone(circle).pk)).content.decode()
    assert "Meet every week; build a routine; no secrets." in body
    assert f"{coordinator.get_full_name()} (coordinator)" in body


def test_a_continue_decision_records_the_review_and_leaves_the_circle(client, circle, coordinator):
    milestone = _milestone(circle)
    client.force_login(coordinator)
    response = client.post(_url("review", circle, milestone.pk), _review("CONTINUE"))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_on == timezone.localdate()
    assert milestone.decision == ReviewMilestone.Decision.CONTINUE
    assert milestone.completed_by == coordinator
    assert milestone.attendees == "Coordinator, Core Member, three volunteers"
    assert _status(circle) == Circle.Status.ACTIVE
    page = client.get(response["Location"]).content.decode()
    assert "3-month review recorded: the circle continues." in page


def test_a_step_down_decision_steps_the_circle_down(client, circle, coordinator):
    client.force_login(coordinator)
    client.post(
        _url("review", circle, _milestone(circle, "M12").pk),
        _review("STEP_DOWN", **STEP_DOWN_DATA()),
    )
    assert _status(circle) == Circle.Status.STEP_DOWN


def test_an_end_decision_ends_the_circle_with_its_outcome(client, circle, coordinator):
    milestone = _milestone(circle, "M12")
    client.force_login(coordinator)
    response = client.post(
        _url("review", circle, milestone.pk),
        _review("END", end_reason="COMPLETED", outcome_notes=OUTCOME),
    )
    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.status == Circle.Status.ENDED
    assert (circle.end_reason, circle.outcome_notes) == ("COMPLETED", OUTCOME)
    assert circle.ended_on == timezone.localdate()
    milestone.refresh_from_db()
    assert milestone.decision == ReviewMilestone.Decision.END


@pytest.mark.parametrize(
    "data, message",
    [
        (_review("END", outcome_notes=OUTCOME), "Say why the circle is ending."),
        (_review("END", end_reason="COMPLETED"), "Record the outcome of the circle."),
        (_review(""), "This field is required."),
        (_review("MAYBE"), "Select a valid choice."),
        (_review("CONTINUE", completed_on="2999-01-01"), "in the future"),
        (_review("CONTINUE", attendees=""), "This field is required."),
    ],
)
def test_bad_review_input_is_a_form_error_and_nothing_is_written(
    client, circle, coordinator, data, message
):
    milestone = _milestone(circle)
    client.force_login(coordinator)
    response = client.post(_url("review", circle, milestone.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.completed_on is None
    assert milestone.decision == ""
    assert _status(circle) == Circle.Status.ACTIVE


def test_a_recorded_review_is_shown_read_only_and_not_recorded_twice(client, circle, coordinator):
    milestone = _milestone(circle)
    client.force_login(coordinator)
    client.post(_url("review", circle, milestone.pk), _review("CONTINUE"))

    page = client.get(_url("review", circle, milestone.pk)).content.decode()
    response = client.post(
        _url("review", circle, milestone.pk), _review("STEP_DOWN", **STEP_DOWN_DATA())
    )

    assert "Working towards every goal." in page
    assert "Record the review</button>" not in page
    assert response.status_code == 200
    assert "already been recorded" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.decision == ReviewMilestone.Decision.CONTINUE
    assert _status(circle) == Circle.Status.ACTIVE


def test_another_circles_milestone_is_not_found(client, circle, coordinator):
    other = services.circle_launch(
        circle=launchable_circle(coordinator=coordinator), acting_user=coordinator
    )
    client.force_login(coordinator)
    url = _url("review", circle, _milestone(other).pk)
    assert client.post(url, _review("CONTINUE")).status_code == 404
    assert not other.milestones.filter(completed_on__isnull=False).exists()


# Cancelling a meeting ---------------------------------------------------------------------------


def test_cancelling_a_meeting_asks_for_a_reason_and_shows_it(client, circle, coordinator):
    meeting = _next_meeting(circle)
    client.force_login(coordinator)
    assert client.get(_url("meeting_cancel", circle, meeting.pk)).status_code == 200

    response = client.post(_url("meeting_cancel", circle, meeting.pk), {"reason": "Venue closed"})

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancelled_reason) == (Meeting.Status.CANCELLED, "Venue closed")
    client.force_login(_member_user(circle))
    page = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    assert "Venue closed" in page


def test_a_cancellation_without_a_reason_is_a_form_error(client, circle, coordinator):
    meeting = _next_meeting(circle)
    client.force_login(coordinator)
    response = client.post(_url("meeting_cancel", circle, meeting.pk), {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_a_cancelled_meeting_cannot_be_cancelled_again(client, circle, coordinator):
    meeting = _next_meeting(circle)
    services.meeting_cancel(meeting=meeting, reason="Snow", acting_user=coordinator)
    client.force_login(coordinator)
    response = client.post(_url("meeting_cancel", circle, meeting.pk), {"reason": "Rain"})
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.cancelled_reason == "Snow"


def test_another_circles_meeting_is_not_found(client, circle, coordinator):
    other = services.circle_launch(
        circle=launchable_circle(coordinator=coordinator), acting_user=coordinator
    )
    meeting = _next_meeting(other)
    client.force_login(coordinator)
    url = _url("meeting_cancel", circle, meeting.pk)
    assert client.post(url, {"reason": "x"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_past_review_dates_show_as_overdue(client, coordinator):
    circle = launchable_circle(coordinator=coordinator)
    launched_on = timezone.localdate() - datetime.timedelta(days=100)
    services.circle_launch(circle=circle, acting_user=coordinator, launched_on=launched_on)
    client.force_login(coordinator)
    body = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    assert "overdue" in body


# Handing the circle to another coordinator ---------------------------------------------------


def test_a_manager_hands_the_circle_to_another_coordinator(client, circle, coordinator, manager):
    successor = CoordinatorFactory()
    client.force_login(manager)
    page = _follow_post(client, _url("coordinator_change", circle), {"coordinator": successor.pk})
    assert f"is now coordinated by {escape(successor)}" in page
    circle.refresh_from_db()
    assert circle.coordinator == successor
    client.force_login(coordinator)
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 404
    client.force_login(successor)
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 200


def _follow_post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_coordinator_cannot_hand_the_circle_on(client, circle, coordinator, method):
    successor = CoordinatorFactory()
    client.force_login(coordinator)
    url = _url("coordinator_change", circle)
    response = getattr(client, method)(url, {"coordinator": successor.pk})
    assert response.status_code == 403
    circle.refresh_from_db()
    assert circle.coordinator == coordinator


def test_only_another_active_coordinator_can_take_over(client, circle, coordinator, manager):
    client.force_login(manager)
    for candidate in (coordinator, _member_user(circle), CoordinatorFactory(is_active=False)):
        response = client.post(_url("coordinator_change", circle), {"coordinator": candidate.pk})
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    circle.refresh_from_db()
    assert circle.coordinator == coordinator


def test_a_refused_end_decision_writes_nothing_at_all(client, circle, coordinator):
    """The review is recorded and the circle ended in one transaction: when ending fails
    (a volunteer cannot leave before joining), the review is not recorded either."""
    milestone = _milestone(circle, "M12")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    client.force_login(coordinator)
    response = client.post(
        _url("review", circle, milestone.pk),
        _review(
            "END", completed_on=yesterday.isoformat(), end_reason="WITHDREW", outcome_notes="x"
        ),
    )
    assert response.status_code == 200
    assert "A volunteer cannot leave before joining." in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.completed_on is None
    assert _status(circle) == Circle.Status.ACTIVE
    assert circle.memberships.current().count() == 3
    assert circle.meetings.upcoming().exists()
