"""The scheduling pages: step-down, the meetings list, one-off meetings, moving a meeting
and the one-click move off a bank holiday. Outsiders first, then the volunteer, then
bad input, then what the pages do."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from circles import bank_holidays, scheduling, services
from circles.models import Circle, Meeting
from circles.tests.factories import launchable_circle
from formpages import tokens

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def circle(coordinator):
    return services.circle_launch(
        circle=launchable_circle(coordinator=coordinator), acting_user=coordinator
    )


@pytest.fixture
def member(circle):
    return circle.memberships.current().select_related("volunteer__user")[0].volunteer.user


def boxing_day_meeting(circle):
    today = timezone.localdate()
    year = today.year if today < datetime.date(today.year, 12, 26) else today.year + 1
    return Meeting.objects.create(
        circle=circle,
        starts_at=scheduling.local_to_utc(datetime.date(year, 12, 26), datetime.time(18, 30)),
        venue=circle.venue,
    )


def pages(circle):
    meeting = circle.meetings.upcoming().first()
    holiday = boxing_day_meeting(circle)
    return {
        "step_down": reverse("circles:step_down", args=[circle.pk]),
        "meetings": reverse("circles:meetings", args=[circle.pk]),
        "meeting_add": reverse("circles:meeting_add", args=[circle.pk]),
        "meeting_move": reverse("circles:meeting_move", args=[circle.pk, meeting.pk]),
        "move_off_holiday": reverse(
            "circles:meeting_move_off_holiday", args=[circle.pk, holiday.pk]
        ),
    }


def when(day, at="18:30"):
    return {"on": day.isoformat(), "at": at}


def step_down_data(**extra):
    return {
        "frequency": "FORTNIGHTLY",
        "from_date": timezone.localdate().isoformat(),
        "planned_end_on": "",
        "next_review_on": (timezone.localdate() + 90 * DAY).isoformat(),
        **extra,
    }


# Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["step_down", "meetings", "meeting_add", "meeting_move", "move_off_holiday"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_coordinator_is_told_the_page_does_not_exist(
    client, circle, other_coordinator, name, method
):
    url = pages(circle)[name]
    before = list(Meeting.objects.values_list("pk", "starts_at", "status"))
    client.force_login(other_coordinator)
    response = getattr(client, method)(url, step_down_data() if method == "post" else None)
    assert response.status_code == (405 if name == "meetings" and method == "post" else 404)
    assert list(Meeting.objects.values_list("pk", "starts_at", "status")) == before


@pytest.mark.parametrize("name", ["step_down", "meeting_add", "meeting_move", "move_off_holiday"])
def test_the_circles_volunteer_may_not_change_its_schedule(client, circle, member, name):
    url = pages(circle)[name]
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.post(url, step_down_data()).status_code == 403
    assert Circle.objects.get(pk=circle.pk).frequency == "WEEKLY"
    assert not Meeting.objects.filter(moved_from__isnull=False).exists()


def test_the_volunteer_sees_the_meetings_and_the_holiday_but_no_buttons(client, circle, member):
    url = pages(circle)["meetings"]
    client.force_login(member)
    body = client.get(url).content.decode()
    assert "Bank holiday: Boxing Day" in body
    assert "move-off-holiday" not in body
    assert "/move/" not in body


# Step-down -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, message",
    [
        (step_down_data(frequency="WEEKLY"), "frequency", "Select a valid choice"),
        (step_down_data(from_date="2000-01-01"), "from_date", "Choose today or a later date."),
        (step_down_data(from_date="not a date"), "from_date", "Enter a valid date."),
        (
            step_down_data(planned_end_on=timezone.localdate().isoformat()),
            "planned_end_on",
            "The planned end is after the step-down.",
        ),
        (step_down_data(next_review_on=""), "next_review_on", "This field is required."),
    ],
)
def test_bad_step_down_input_is_a_form_error_and_nothing_changes(
    client, circle, coordinator, data, field, message
):
    before = list(circle.meetings.values_list("pk", "starts_at"))
    client.force_login(coordinator)
    response = client.post(reverse("circles:step_down", args=[circle.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    circle.refresh_from_db()
    assert (circle.status, circle.frequency) == (Circle.Status.ACTIVE, "WEEKLY")
    assert list(circle.meetings.values_list("pk", "starts_at")) == before
    assert circle.covenants.count() == 1


def test_a_step_down_posted_twice_is_recorded_once(client, circle, coordinator):
    url = reverse("circles:step_down", args=[circle.pk])
    client.force_login(coordinator)
    data = step_down_data(_once=tokens.new())
    first = client.post(url, data)
    second = client.post(url, data)
    # The repeat finds the circle already fortnightly: told so on the form, written once.
    assert (first.status_code, second.status_code) == (302, 200)
    assert "meets fortnightly now" in second.content.decode()
    assert circle.covenants.count() == 2
    assert circle.frequency_changes.filter(frequency="FORTNIGHTLY").count() == 1


def test_a_review_deciding_to_step_down_asks_for_the_frequency(client, circle, coordinator):
    milestone = circle.milestones.get(kind="M3")
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:review", args=[circle.pk, milestone.pk]),
        {
            "completed_on": timezone.localdate().isoformat(),
            "attendees": "All",
            "progress_notes": "Settled.",
            "decision": "STEP_DOWN",
        },
    )
    assert response.status_code == 200
    assert "required for a step-down" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_the_circle_page_shows_the_frequency_history(client, circle, coordinator):
    client.force_login(coordinator)
    client.post(reverse("circles:step_down", args=[circle.pk]), step_down_data())
    body = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    assert "How often the circle meets" in body
    assert "Weekly from" in body
    assert "Fortnightly from" in body


# One-off meetings and moves ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "GROUP", **when(timezone.localdate() + 3 * DAY)}, "Select a valid choice"),
        ({"kind": "REVIEW", **when(timezone.localdate() - DAY)}, "Choose a time in the future."),
        ({"kind": "REVIEW", "on": "31/31/2026", "at": "18:30"}, "Enter a valid date."),
        ({"kind": "REVIEW", **when(timezone.localdate() + DAY, "25:00")}, "Enter a valid time."),
    ],
)
def test_bad_one_off_meeting_input_is_a_form_error(client, circle, coordinator, data, message):
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_add", args=[circle.pk]), {"duration_minutes": 60, **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not circle.meetings.exclude(kind="GROUP").exists()


def test_a_one_off_meeting_is_arranged_once_on_a_double_post(client, circle, coordinator):
    client.force_login(coordinator)
    data = {
        "kind": "EMERGENCY",
        "duration_minutes": 60,
        "venue": "",
        "_once": tokens.new(),
        **when(timezone.localdate() + 2 * DAY, "10:00"),
    }
    url = reverse("circles:meeting_add", args=[circle.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert circle.meetings.filter(kind="EMERGENCY").count() == 1
    assert Notification.objects.count() == circle.memberships.current().count()


def test_a_move_without_a_reason_is_a_form_error(client, circle, coordinator):
    meeting = circle.meetings.upcoming().first()
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:meeting_move", args=[circle.pk, meeting.pk]),
        {**when(timezone.localdate() + 3 * DAY), "reason": ""},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).starts_at == meeting.starts_at


def test_a_move_posted_twice_moves_once_and_tells_each_volunteer_once(client, circle, coordinator):
    meeting = circle.meetings.upcoming().first()
    target = timezone.localdate(meeting.starts_at) + DAY
    client.force_login(coordinator)
    data = {**when(target, "19:00"), "venue": "", "reason": "Hall booked", "_once": tokens.new()}
    url = reverse("circles:meeting_move", args=[circle.pk, meeting.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at).date() == target
    assert Notification.objects.count() == circle.memberships.current().count()
    body = client.get(reverse("circles:meetings", args=[circle.pk])).content.decode()
    assert "Hall booked" in body


# Bank holidays on the pages ----------------------------------------------------------------


def test_the_circle_page_warns_of_a_meeting_on_boxing_day(client, circle, coordinator):
    boxing = boxing_day_meeting(circle)
    # Brought into the circle page's next eight meetings.
    circle.meetings.exclude(pk=boxing.pk).filter(starts_at__gt=timezone.now()).delete()
    client.force_login(coordinator)
    body = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    assert "Bank holiday: Boxing Day" in body


def test_the_one_click_move_takes_a_meeting_off_boxing_day(client, circle, coordinator):
    boxing = boxing_day_meeting(circle)
    client.force_login(coordinator)
    listing = client.get(reverse("circles:meetings", args=[circle.pk]))
    [flagged] = [m for m in listing.context["page"].object_list if m.holiday]
    url = reverse("circles:meeting_move_off_holiday", args=[circle.pk, boxing.pk])
    assert (flagged.pk, flagged.holiday) == (boxing.pk, "Boxing Day")
    assert url in listing.content.decode()
    token = flagged.once_token
    assert client.post(url, {"_once": token}).status_code == 302
    assert client.post(url, {"_once": token}).status_code == 302
    boxing.refresh_from_db()
    moved_to = timezone.localtime(boxing.starts_at)
    assert moved_to.date() == bank_holidays.next_working_day(boxing.moved_from.date())
    assert moved_to.strftime("%H:%M") == "18:30"
    assert Notification.objects.count() == circle.memberships.current().count()


def test_the_meetings_list_query_count_does_not_grow_with_meetings(
    client, circle, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    url = reverse("circles:meetings", args=[circle.pk])

    def count():
        client.get(url)
        with django_assert_max_num_queries(15) as captured:
            response = client.get(url)
            for meeting in response.context["page"].object_list:
                str(meeting.circle.name)
        return len(captured.captured_queries)

    small = count()
    services.meetings_generate(circle=circle, until=timezone.localdate() + 300 * DAY)
    boxing_day_meeting(circle)
    assert count() == small
