"""One volunteer's page: who sees what, the path as POST buttons, leaving with a reason."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from circles.models import CircleMembership
from circles.tests.factories import CircleMembershipFactory
from volunteers.models import TrainingRecord, Volunteer
from volunteers.tests.factories import (
    ActiveVolunteerFactory,
    DBSCheckFactory,
    ReferenceFactory,
    SupervisionSessionFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

Status = Volunteer.Status
OWN_NOTE = "Own-coordinator supervision note"
OTHER_NOTE = "Other-coordinator supervision note"


def detail_url(volunteer):
    return reverse("volunteers:detail", args=[volunteer.pk])


def move_url(volunteer):
    return reverse("volunteers:move", args=[volunteer.pk])


def leave_url(volunteer):
    return reverse("circles:volunteer_leave", args=[volunteer.pk])


def _messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def volunteer(coordinator, other_coordinator):
    volunteer = ActiveVolunteerFactory(user__first_name="Vera", user__last_name="Vickers")
    ReferenceFactory(volunteer=volunteer, referee_name="Rita Referee")
    SupervisionSessionFactory(volunteer=volunteer, coordinator=coordinator, notes=OWN_NOTE)
    SupervisionSessionFactory(volunteer=volunteer, coordinator=other_coordinator, notes=OTHER_NOTE)
    return volunteer


# Who sees the page -----------------------------------------------------------------------------


def test_another_volunteer_gets_404(client, volunteer):
    client.force_login(ActiveVolunteerFactory().user)
    response = client.get(detail_url(volunteer))
    assert response.status_code == 404
    assert b"Vickers" not in response.content


def test_a_liaison_gets_404(client, liaison, volunteer):
    client.force_login(liaison)
    assert client.get(detail_url(volunteer)).status_code == 404


def test_the_volunteer_sees_their_own_profile_without_notes_references_or_actions(
    client, volunteer
):
    client.force_login(volunteer.user)
    response = client.get(detail_url(volunteer))
    assert response.status_code == 200
    body = response.content.decode()
    assert "My profile" in body
    assert volunteer.dbs_checks.get().certificate_number in body
    assert "Initial CoSA training" in body
    for hidden in (OWN_NOTE, OTHER_NOTE, "Supervision", "Rita Referee", move_url(volunteer)):
        assert hidden not in body, hidden
    # Their own hours are one click away.
    assert reverse("volunteers:hours", args=[volunteer.pk]) in body
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


def test_a_coordinator_sees_their_own_supervision_notes_only(client, coordinator, volunteer):
    client.force_login(coordinator)
    response = client.get(detail_url(volunteer))
    body = response.content.decode()
    assert OWN_NOTE in body
    assert OTHER_NOTE not in body
    assert "1 other session held by other coordinators" in body
    assert "Rita Referee" in body
    log = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (log.user, log.object_id) == (coordinator, str(volunteer.pk))


def test_a_manager_sees_every_supervision_note(client, manager, volunteer):
    client.force_login(manager)
    body = client.get(detail_url(volunteer)).content.decode()
    assert OWN_NOTE in body and OTHER_NOTE in body
    assert "other session" not in body


def test_a_recheck_due_within_60_days_is_highlighted(client, coordinator):
    volunteer = ActiveVolunteerFactory(dbs_check=None)
    issued = timezone.localdate() + datetime.timedelta(days=45) - relativedelta(years=3)
    DBSCheckFactory(volunteer=volunteer, issued_on=issued)
    client.force_login(coordinator)
    body = client.get(detail_url(volunteer)).content.decode()
    assert "Recheck due" in body and "(within 60 days)" in body
    assert 'class="table-warning"' in body


def test_an_overdue_recheck_is_highlighted(client, coordinator):
    volunteer = ActiveVolunteerFactory(dbs_check=None)
    DBSCheckFactory(volunteer=volunteer, issued_on=timezone.localdate() - relativedelta(years=3))
    client.force_login(coordinator)
    body = client.get(detail_url(volunteer)).content.decode()
    assert "Recheck overdue" in body
    assert 'class="table-danger"' in body


def test_the_page_offers_only_the_legal_next_steps(client, coordinator):
    volunteer = VolunteerFactory(status=Status.TRAINING)
    client.force_login(coordinator)
    response = client.get(detail_url(volunteer))
    assert response.context["moves"] == [(Status.ACTIVE, "Activate")]
    assert response.context["can_leave"]
    # The conditions for activating are named before the button is pressed.
    assert response.context["activation_problems"] == [
        "Record the initial training before activating.",
        "Record a current DBS check before activating.",
    ]


# Moving along the path ---------------------------------------------------------------------------


def test_a_move_is_post_only(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    assert client.get(move_url(volunteer)).status_code == 405


def test_the_volunteer_cannot_move_themself(client):
    volunteer = ActiveVolunteerFactory()
    client.force_login(volunteer.user)
    assert client.post(move_url(volunteer), {"to": Status.PAUSED}).status_code == 403
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE


def test_another_volunteer_and_a_liaison_get_404_on_a_move(client, liaison):
    volunteer = ActiveVolunteerFactory()
    for user in (ActiveVolunteerFactory().user, liaison):
        client.force_login(user)
        assert client.post(move_url(volunteer), {"to": Status.PAUSED}).status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE


def test_an_illegal_move_is_refused_with_a_message(client, coordinator):
    volunteer = VolunteerFactory(status=Status.APPLIED)
    client.force_login(coordinator)
    response = client.post(move_url(volunteer), {"to": Status.ACTIVE}, follow=True)
    assert response.redirect_chain[-1][0] == detail_url(volunteer)
    assert _messages(response) == ["Not changed: Cannot move from Applied to Active."]
    volunteer.refresh_from_db()
    assert volunteer.status == Status.APPLIED


def test_a_status_that_does_not_exist_is_refused_with_a_message(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(move_url(volunteer), {"to": "PROMOTED"}, follow=True)
    assert _messages(response) == ["Choose a status to move to."]
    volunteer.refresh_from_db()
    assert volunteer.status == Status.APPLIED


def test_activating_without_dbs_and_training_names_both(client, coordinator):
    volunteer = VolunteerFactory(status=Status.TRAINING)
    client.force_login(coordinator)
    response = client.post(move_url(volunteer), {"to": Status.ACTIVE}, follow=True)
    assert _messages(response) == [
        "Not changed: Record the initial training before activating. "
        "Record a current DBS check before activating."
    ]
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.started_on) == (Status.TRAINING, None)


def test_activating_with_an_expired_dbs_check_is_refused(client, coordinator):
    volunteer = VolunteerFactory(status=Status.TRAINING)
    TrainingRecordFactory(volunteer=volunteer, course=TrainingRecord.Course.INITIAL)
    DBSCheckFactory(volunteer=volunteer, issued_on=timezone.localdate() - relativedelta(years=3))
    client.force_login(coordinator)
    response = client.post(move_url(volunteer), {"to": Status.ACTIVE}, follow=True)
    assert _messages(response) == ["Not changed: Record a current DBS check before activating."]
    volunteer.refresh_from_db()
    assert volunteer.status == Status.TRAINING


def test_resuming_from_a_pause_needs_a_current_dbs_check(client, manager):
    volunteer = ActiveVolunteerFactory(status=Status.PAUSED, dbs_check=None)
    client.force_login(manager)
    response = client.post(move_url(volunteer), {"to": Status.ACTIVE}, follow=True)
    assert "Record a current DBS check" in _messages(response)[0]
    volunteer.refresh_from_db()
    assert volunteer.status == Status.PAUSED


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_staff_walk_the_path_from_applied_to_active_and_paused(client, role, request):
    volunteer = VolunteerFactory()
    client.force_login(request.getfixturevalue(role))
    for to in (Status.VETTING, Status.TRAINING):
        response = client.post(move_url(volunteer), {"to": to}, follow=True)
        volunteer.refresh_from_db()
        assert volunteer.status == to
        assert _messages(response) == [f"{volunteer} is now {volunteer.get_status_display()}."]
    DBSCheckFactory(volunteer=volunteer)
    TrainingRecordFactory(volunteer=volunteer, course=TrainingRecord.Course.INITIAL)
    client.post(move_url(volunteer), {"to": Status.ACTIVE})
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.started_on) == (Status.ACTIVE, timezone.localdate())
    client.post(move_url(volunteer), {"to": Status.PAUSED})
    volunteer.refresh_from_db()
    assert volunteer.status == Status.PAUSED
    # Pausing keeps the volunteer's history: the start date stays.
    assert volunteer.started_on == timezone.localdate()


def test_a_move_to_left_goes_to_the_confirmation_page(client, coordinator):
    volunteer = ActiveVolunteerFactory()
    client.force_login(coordinator)
    response = client.post(move_url(volunteer), {"to": Status.LEFT})
    assert response["Location"] == leave_url(volunteer)
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE


# Leaving ----------------------------------------------------------------------------------------


def test_leaving_is_staff_only(client, liaison):
    volunteer = ActiveVolunteerFactory()
    client.force_login(volunteer.user)
    assert client.get(leave_url(volunteer)).status_code == 403
    assert client.post(leave_url(volunteer), {"reason": "Bored"}).status_code == 403
    client.force_login(ActiveVolunteerFactory().user)
    assert client.post(leave_url(volunteer), {"reason": "Bored"}).status_code == 404
    client.force_login(liaison)
    assert client.post(leave_url(volunteer), {"reason": "Bored"}).status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE


def test_leaving_without_a_reason_is_a_form_error_and_changes_nothing(client, coordinator):
    membership = CircleMembershipFactory()
    volunteer = membership.volunteer
    client.force_login(coordinator)
    response = client.post(leave_url(volunteer), {"reason": "   "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    volunteer.refresh_from_db()
    membership.refresh_from_db()
    assert (volunteer.status, volunteer.left_on, membership.left_on) == (Status.ACTIVE, None, None)


def test_the_confirmation_page_names_the_circles_they_will_leave(client, coordinator):
    membership = CircleMembershipFactory(circle__name="Wednesday circle")
    client.force_login(coordinator)
    response = client.get(leave_url(membership.volunteer))
    assert response.status_code == 200
    assert "Wednesday circle" in response.content.decode()


def test_leaving_records_the_reason_and_ends_current_memberships(client, coordinator):
    membership = CircleMembershipFactory()
    volunteer = membership.volunteer
    client.force_login(coordinator)
    response = client.post(leave_url(volunteer), {"reason": "Moving abroad"}, follow=True)
    assert _messages(response) == [f"{volunteer} has left the pool."]
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.exit_reason) == (Status.LEFT, "Moving abroad")
    assert volunteer.left_on == timezone.localdate()
    assert not CircleMembership.objects.current().filter(volunteer=volunteer).exists()
    # A volunteer who has left has no further steps to offer.
    page = client.get(detail_url(volunteer))
    assert page.context["moves"] == [] and not page.context["can_leave"]


def test_leaving_twice_is_refused_on_the_form(client, coordinator):
    volunteer = VolunteerFactory(
        status=Status.LEFT, left_on=timezone.localdate(), exit_reason="Moved away"
    )
    client.force_login(coordinator)
    response = client.post(leave_url(volunteer), {"reason": "Again"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Cannot move from Left to Left."]
    volunteer.refresh_from_db()
    assert volunteer.exit_reason == "Moved away"
