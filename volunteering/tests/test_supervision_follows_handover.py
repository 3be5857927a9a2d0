"""One Core Member's case handed to another coordinator (from the circle page or the Core
Member page) takes the volunteers' supervision with it, by the rule a whole caseload
follows: unless the volunteer is still in another open circle of the coordinator
handing over, who then still supervises them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CoordinatorFactory
from circles import services as circle_services
from circles.models import Reminder
from circles.tests.factories import launchable_circle
from volunteering.access import supervised_volunteers_for
from volunteers.access import supervision_visible_to
from volunteers.models import SupervisionSession
from volunteers.tests.factories import SupervisionSessionFactory

pytestmark = pytest.mark.django_db

NOTE = "Held by the coordinator handing the case over"


def _ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def _reminder(volunteer, recipient):
    return Reminder.objects.create(
        kind=Reminder.Kind.SUPERVISION_DUE,
        object_id=volunteer.pk,
        recipient=recipient,
        period=_ago(3).isoformat(),
        due_at=timezone.now(),
    )


@pytest.fixture
def case(coordinator):
    """Two of the coordinator's open circles sharing one volunteer (``shared``); ``alone``
    sits only in the circle handed over. Each has notes and a waiting reminder."""
    handed = launchable_circle(coordinator=coordinator, volunteers=1)
    kept = launchable_circle(coordinator=coordinator, volunteers=1)
    alone = handed.memberships.get().volunteer
    shared = kept.memberships.get().volunteer
    circle_services.membership_add(circle=handed, volunteer=shared, acting_user=coordinator)
    return {
        "handed": handed,
        "kept": kept,
        "alone": alone,
        "shared": shared,
        "alone_session": SupervisionSessionFactory(
            volunteer=alone, coordinator=coordinator, held_on=_ago(30), notes=NOTE
        ),
        "shared_session": SupervisionSessionFactory(
            volunteer=shared, coordinator=coordinator, held_on=_ago(30), notes=NOTE
        ),
        "alone_reminder": _reminder(alone, coordinator),
        "shared_reminder": _reminder(shared, coordinator),
    }


def _from_circle_page(client, manager, case, to):
    client.force_login(manager)
    url = reverse("circles:coordinator_change", args=[case["handed"].pk])
    return client.post(url, {"coordinator": to.pk})


def _from_core_member_page(client, manager, case, to):
    client.force_login(manager)
    url = reverse("circles:coordinator_handover", args=[case["handed"].core_member_id])
    return client.post(url, {"coordinator": to.pk})


PATHS = pytest.mark.parametrize("hand_over", [_from_circle_page, _from_core_member_page])


def _supervisor(session):
    return SupervisionSession.objects.get(pk=session.pk).supervisor


# Refusals first ------------------------------------------------------------------------------


@PATHS
def test_the_circles_own_coordinator_gets_403_and_nothing_moves(
    client, coordinator, other_coordinator, case, hand_over
):
    response = hand_over(client, coordinator, case, other_coordinator)
    assert response.status_code == 403
    assert _supervisor(case["alone_session"]) == coordinator
    case["alone_reminder"].refresh_from_db()
    assert case["alone_reminder"].sent_at is None


@PATHS
def test_an_outsider_gets_404_and_nothing_moves(client, other_coordinator, case, hand_over):
    response = hand_over(client, other_coordinator, case, other_coordinator)
    assert response.status_code == 404
    assert _supervisor(case["alone_session"]) != other_coordinator


def test_a_coordinator_calling_the_service_moves_no_supervision(
    coordinator, other_coordinator, case
):
    with pytest.raises(ValidationError):
        circle_services.circle_change_coordinator(
            circle=case["handed"], coordinator=other_coordinator, acting_user=coordinator
        )
    assert _supervisor(case["alone_session"]) == coordinator


# The handover --------------------------------------------------------------------------------


@PATHS
def test_the_volunteer_only_in_the_circle_handed_over_follows_it(
    client, coordinator, other_coordinator, manager, case, hand_over
):
    assert hand_over(client, manager, case, other_coordinator).status_code == 302
    alone = case["alone"]
    assert _supervisor(case["alone_session"]) == other_coordinator
    assert supervision_visible_to(other_coordinator).filter(volunteer=alone).exists()
    assert not supervision_visible_to(coordinator).filter(volunteer=alone).exists()
    assert not supervised_volunteers_for(coordinator).filter(pk=alone.pk).exists()
    # The new coordinator reads the notes on the volunteer's page; the old one does not.
    client.force_login(other_coordinator)
    assert NOTE in client.get(reverse("volunteers:detail", args=[alone.pk])).content.decode()
    client.force_login(coordinator)
    assert NOTE not in client.get(reverse("volunteers:detail", args=[alone.pk])).content.decode()


@PATHS
def test_the_move_names_the_manager_and_the_session_who_held_it(
    client, coordinator, other_coordinator, manager, case, hand_over
):
    hand_over(client, manager, case, other_coordinator)
    session = SupervisionSession.objects.get(pk=case["alone_session"].pk)
    assert (session.coordinator, session.supervisor) == (coordinator, other_coordinator)
    latest = session.history.order_by("-history_id").first()
    assert (latest.supervisor_id, latest.history_user) == (other_coordinator.pk, manager)


@PATHS
def test_the_waiting_reminder_to_the_old_coordinator_is_closed(
    client, coordinator, other_coordinator, manager, case, hand_over
):
    hand_over(client, manager, case, other_coordinator)
    case["alone_reminder"].refresh_from_db()
    assert case["alone_reminder"].sent_at is not None
    assert case["alone_reminder"].skipped_reason == "supervision handed to another coordinator"


@PATHS
def test_a_volunteer_still_in_another_of_the_old_coordinators_circles_keeps_the_old_supervisor(
    client, coordinator, other_coordinator, manager, case, hand_over
):
    hand_over(client, manager, case, other_coordinator)
    shared = case["shared"]
    assert _supervisor(case["shared_session"]) == coordinator
    assert supervision_visible_to(coordinator).filter(volunteer=shared).exists()
    assert not supervision_visible_to(other_coordinator).filter(volunteer=shared).exists()
    session = SupervisionSession.objects.get(pk=case["shared_session"].pk)
    assert session.history.count() == 1  # created, never moved
    case["shared_reminder"].refresh_from_db()
    assert case["shared_reminder"].sent_at is None
    # Still in the old coordinator's other circle: still theirs to supervise.
    assert supervised_volunteers_for(coordinator).filter(pk=shared.pk).exists()


def test_the_held_back_volunteer_follows_when_their_last_circle_is_handed_over(
    coordinator, other_coordinator, manager, case
):
    for circle in (case["handed"], case["kept"]):
        circle_services.circle_change_coordinator(
            circle=circle, coordinator=other_coordinator, acting_user=manager
        )
    assert _supervisor(case["shared_session"]) == other_coordinator
    case["shared_reminder"].refresh_from_db()
    assert case["shared_reminder"].sent_at is not None


def test_notes_held_by_someone_else_stay_with_them(coordinator, other_coordinator, manager, case):
    third = CoordinatorFactory()
    theirs = SupervisionSessionFactory(volunteer=case["alone"], coordinator=third)
    circle_services.circle_change_coordinator(
        circle=case["handed"], coordinator=other_coordinator, acting_user=manager
    )
    assert _supervisor(theirs) == third


def test_a_whole_caseload_moves_each_session_once(coordinator, other_coordinator, manager, case):
    moved = circle_services.caseload_reassign(
        coordinator=coordinator, to=other_coordinator, acting_user=manager
    )
    assert len(moved.circles) == 2
    for key in ("alone_session", "shared_session"):
        session = SupervisionSession.objects.get(pk=case[key].pk)
        assert session.supervisor == other_coordinator
        # Its creation and one move, by the manager: not once per circle it sat in.
        history = list(session.history.order_by("history_id"))
        assert [h.supervisor_id for h in history] == [coordinator.pk, other_coordinator.pk]
        assert history[-1].history_user == manager
    for key in ("alone_reminder", "shared_reminder"):
        case[key].refresh_from_db()
        assert case[key].sent_at is not None
    assert not supervision_visible_to(coordinator).exists()
