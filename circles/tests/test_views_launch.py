"""Launching a circle from its page: refused for each unmet condition, named on the page;
when every condition holds, meetings and review milestones are scheduled."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.models import Circle, Meeting, ReviewMilestone
from circles.tests.factories import launchable_circle
from volunteers.models import Volunteer
from volunteers.tests.factories import DBSCheckFactory, TrainingRecordFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

BLOCKERS = {
    "agreement": "The Core Member has no current information-sharing agreement.",
    "volunteers": (
        "At least 3 matched volunteers need a current DBS check and completed training; 2 do."
    ),
    "covenant": "No covenant has been agreed.",
    "venue": "The meeting pattern has no venue.",
}
MISSING = {
    "agreement": {"with_agreement": False},
    "volunteers": {"volunteers": 2},
    "covenant": {"with_covenant": False},
    "venue": {"venue": ""},
}


def _launch_url(circle):
    return reverse("circles:launch", args=[circle.pk])


def _today():
    return timezone.localdate().isoformat()


def _nothing_scheduled(circle):
    circle.refresh_from_db()
    assert circle.status == Circle.Status.FORMING
    assert circle.launched_on is None
    assert not circle.meetings.exists()
    assert not circle.milestones.exists()


def _volunteer_user(circle):
    return circle.memberships.current().select_related("volunteer__user")[0].volunteer.user


# Who may launch --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_the_launch_page_from_another_coordinator(client, coordinator, method):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(CoordinatorFactory())
    response = getattr(client, method)(_launch_url(circle), {"launched_on": _today()})
    assert response.status_code == 404
    _nothing_scheduled(circle)


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_the_launch_page_from_a_liaison(client, coordinator, method):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(LiaisonFactory())
    response = getattr(client, method)(_launch_url(circle), {"launched_on": _today()})
    assert response.status_code == 404
    _nothing_scheduled(circle)


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_the_circles_own_volunteer(client, coordinator, method):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(_volunteer_user(circle))
    response = getattr(client, method)(_launch_url(circle), {"launched_on": _today()})
    assert response.status_code == 403
    _nothing_scheduled(circle)


def test_a_volunteer_sees_the_circle_page_without_the_checklist_or_launch(client, coordinator):
    circle = launchable_circle(coordinator=coordinator, with_covenant=False)
    client.force_login(_volunteer_user(circle))
    response = client.get(reverse("circles:detail", args=[circle.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Launch checklist" not in body
    assert _launch_url(circle) not in body
    assert "DBS" not in body


# Refusals, each named ---------------------------------------------------------------------


@pytest.mark.parametrize("missing", sorted(MISSING))
def test_launch_is_refused_naming_the_missing_condition(client, coordinator, missing):
    circle = launchable_circle(coordinator=coordinator, **MISSING[missing])
    client.force_login(coordinator)

    response = client.post(_launch_url(circle), {"launched_on": _today()})

    assert response.status_code == 200
    body = response.content.decode()
    assert BLOCKERS[missing] in body
    for other, text in BLOCKERS.items():
        if other != missing:
            assert text not in body, other
    _nothing_scheduled(circle)


@pytest.mark.parametrize("missing", sorted(MISSING))
def test_the_circle_page_checklist_names_the_missing_condition(client, coordinator, missing):
    circle = launchable_circle(coordinator=coordinator, **MISSING[missing])
    client.force_login(coordinator)

    response = client.get(reverse("circles:detail", args=[circle.pk]))

    body = response.content.decode()
    assert "Launch checklist" in body
    assert BLOCKERS[missing] in body
    assert "Not met:" in body
    assert body.count("Met:") == 3  # the other three conditions, ticked


def test_every_missing_condition_is_named_at_once(client, coordinator):
    circle = launchable_circle(
        coordinator=coordinator, with_agreement=False, volunteers=2, with_covenant=False, venue=""
    )
    client.force_login(coordinator)
    body = client.post(_launch_url(circle), {"launched_on": _today()}).content.decode()
    for text in BLOCKERS.values():
        assert text in body
    _nothing_scheduled(circle)


def test_a_volunteer_whose_dbs_check_lapsed_does_not_count(client, coordinator):
    circle = launchable_circle(coordinator=coordinator, volunteers=2)
    lapsed = VolunteerFactory(status=Volunteer.Status.ACTIVE)
    TrainingRecordFactory(volunteer=lapsed)
    DBSCheckFactory(volunteer=lapsed, issued_on=timezone.localdate() - relativedelta(years=3))
    services.membership_add(circle=circle, volunteer=lapsed, acting_user=coordinator)
    client.force_login(coordinator)

    body = client.post(_launch_url(circle), {"launched_on": _today()}).content.decode()

    assert BLOCKERS["volunteers"] in body
    _nothing_scheduled(circle)


def test_an_expired_sharing_agreement_blocks_the_launch(client, coordinator):
    circle = launchable_circle(coordinator=coordinator)
    circle.core_member.sharing_agreements.update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(coordinator)
    body = client.post(_launch_url(circle), {"launched_on": _today()}).content.decode()
    assert BLOCKERS["agreement"] in body
    _nothing_scheduled(circle)


def test_a_launch_date_more_than_a_year_ahead_is_a_form_error(client, coordinator):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(coordinator)
    far = timezone.localdate() + datetime.timedelta(days=400)
    response = client.post(_launch_url(circle), {"launched_on": far.isoformat()})
    assert response.status_code == 200
    assert "Launch within a year from today." in response.content.decode()
    _nothing_scheduled(circle)


def test_a_blocked_circle_offers_no_launch_button(client, coordinator):
    circle = launchable_circle(coordinator=coordinator, with_covenant=False)
    client.force_login(coordinator)
    body = client.get(_launch_url(circle)).content.decode()
    assert "Launch the circle</button>" not in body
    assert BLOCKERS["covenant"] in body


# Launching --------------------------------------------------------------------------------


def test_launch_schedules_meetings_and_twelve_months_of_reviews(client, coordinator):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    assert "Every condition is met" in page
    today = timezone.localdate()

    response = client.post(_launch_url(circle), {"launched_on": today.isoformat()})

    assert response.status_code == 302
    assert response["Location"] == reverse("circles:detail", args=[circle.pk])
    circle.refresh_from_db()
    assert circle.status == Circle.Status.ACTIVE
    assert circle.launched_on == today
    assert circle.planned_end_on == today + relativedelta(months=12)
    assert circle.core_member.status == "IN_CIRCLE"
    milestones = list(circle.milestones.values_list("kind", "due_on"))
    assert milestones == [
        (kind, today + relativedelta(months=months))
        for kind, months in (("M3", 3), ("M6", 6), ("M9", 9), ("M12", 12))
    ]
    meetings = list(circle.meetings.all())
    assert len(meetings) >= 4
    for meeting in meetings:
        assert meeting.status == Meeting.Status.SCHEDULED
        assert meeting.starts_at >= timezone.now()
        assert timezone.localtime(meeting.starts_at).weekday() == circle.weekday
        assert meeting.venue == circle.venue

    page = client.get(response["Location"]).content.decode()
    assert f"{circle.name} launched." in page
    assert "Launch checklist" not in page
    assert "3-month review" in page


def test_a_through_the_gate_circle_gets_eighteen_months_of_reviews(client, coordinator):
    circle = launchable_circle(coordinator=coordinator, kind=Circle.Kind.THROUGH_THE_GATE)
    client.force_login(coordinator)
    launched_on = timezone.localdate() - datetime.timedelta(days=3)

    client.post(_launch_url(circle), {"launched_on": launched_on.isoformat()})

    circle.refresh_from_db()
    assert circle.planned_end_on == launched_on + relativedelta(months=18)
    assert list(circle.milestones.values_list("kind", flat=True)) == [
        ReviewMilestone.Kind.MONTH_3,
        ReviewMilestone.Kind.MONTH_6,
        ReviewMilestone.Kind.MONTH_9,
        ReviewMilestone.Kind.MONTH_12,
        ReviewMilestone.Kind.MONTH_15,
        ReviewMilestone.Kind.MONTH_18,
    ]


def test_a_manager_can_launch(client, coordinator, manager):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(manager)
    response = client.post(_launch_url(circle), {"launched_on": _today()})
    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.status == Circle.Status.ACTIVE


def test_launching_twice_is_refused_on_the_page(client, coordinator):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(coordinator)
    client.post(_launch_url(circle), {"launched_on": _today()})
    meetings = circle.meetings.count()

    response = client.post(_launch_url(circle), {"launched_on": _today()})

    assert response.status_code == 200
    assert "This circle is active" in response.content.decode()
    assert circle.meetings.count() == meetings
    assert circle.milestones.count() == 4
