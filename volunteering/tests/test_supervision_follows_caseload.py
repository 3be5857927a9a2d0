"""A departing coordinator's caseload reassigned in one step takes the volunteers'
supervision with it: who supervises, the notes, supervision due and pending debriefs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from circles import services as circle_services
from circles.models import Concern, Reminder
from circles.tests.factories import CircleMembershipFactory, ConcernFactory, launchable_circle
from volunteering import services
from volunteering.access import debriefs_visible_to, supervised_volunteers_for
from volunteers import services as volunteer_services
from volunteers.access import supervision_visible_to
from volunteers.models import SupervisionSession
from volunteers.tests.factories import SupervisionSessionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
NOTE = "Supervision note held by the departing coordinator"


def _ago(days):
    return TODAY() - datetime.timedelta(days=days)


@pytest.fixture
def departing(coordinator):
    """The departing coordinator's circle: a volunteer supervised 60 days ago, a RED
    concern's pending debrief, a supervision reminder waiting to go to them."""
    circle = launchable_circle(coordinator=coordinator, volunteers=1)
    membership = circle.memberships.get()
    volunteer = membership.volunteer
    session = SupervisionSessionFactory(
        volunteer=volunteer, coordinator=coordinator, held_on=_ago(60), notes=NOTE
    )
    concern = ConcernFactory(circle=circle, severity=Concern.Severity.RED)
    (debrief,) = services.debriefs_offer(concern=concern, acting_user=coordinator)
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.SUPERVISION_DUE,
        object_id=volunteer.pk,
        recipient=coordinator,
        period=_ago(4).isoformat(),
        due_at=timezone.now(),
    )
    return {
        "circle": circle,
        "volunteer": volunteer,
        "session": session,
        "debrief": debrief,
        "reminder": reminder,
    }


def _reassign(coordinator, to, manager):
    return circle_services.caseload_reassign(coordinator=coordinator, to=to, acting_user=manager)


# Refusals first ------------------------------------------------------------------------------


def test_only_a_manager_hands_over_supervision(coordinator, other_coordinator, departing):
    for user in (coordinator, other_coordinator, departing["volunteer"].user):
        with pytest.raises(ValidationError):
            volunteer_services.supervision_hand_over(
                volunteer_ids=[departing["volunteer"].pk],
                coordinator=coordinator,
                to=other_coordinator,
                acting_user=user,
            )
    departing["session"].refresh_from_db()
    assert departing["session"].supervisor == coordinator


def test_supervision_is_handed_only_to_an_active_coordinator(
    coordinator, other_coordinator, manager, departing
):
    other_coordinator.is_active = False
    other_coordinator.save(update_fields=["is_active"])
    for to in (other_coordinator, departing["volunteer"].user):
        with pytest.raises(ValidationError):
            volunteer_services.supervision_hand_over(
                volunteer_ids=[departing["volunteer"].pk],
                coordinator=coordinator,
                to=to,
                acting_user=manager,
            )
    departing["session"].refresh_from_db()
    assert departing["session"].supervisor == coordinator


def test_a_refused_reassignment_moves_no_supervision(coordinator, manager, departing):
    with pytest.raises(ValidationError):
        _reassign(coordinator, coordinator, manager)
    departing["session"].refresh_from_db()
    departing["reminder"].refresh_from_db()
    assert departing["session"].supervisor == coordinator
    assert departing["reminder"].sent_at is None


def test_the_old_coordinator_loses_the_supervision_and_gets_404(
    client, coordinator, other_coordinator, manager, departing
):
    _reassign(coordinator, other_coordinator, manager)
    volunteer = departing["volunteer"]
    client.force_login(coordinator)
    page = client.get(reverse("volunteering:supervision"))
    assert page.status_code == 200
    assert volunteer.pk not in [v.pk for v in page.context["page"]]
    assert list(page.context["debriefs"]) == []
    url = reverse("volunteering:debrief_record", args=[departing["debrief"].pk])
    assert client.post(url, {"held_on": _ago(1).isoformat()}).status_code == 404
    departing["debrief"].refresh_from_db()
    assert departing["debrief"].held_on is None
    # The volunteer's record is still theirs to see (the pool), not the notes.
    profile = client.get(reverse("volunteers:detail", args=[volunteer.pk]))
    assert profile.status_code == 200
    assert NOTE not in profile.content.decode()
    assert not supervision_visible_to(coordinator).exists()
    assert not debriefs_visible_to(coordinator).exists()
    assert not supervised_volunteers_for(coordinator).exists()


def test_the_new_coordinator_supervises_with_the_notes_due_date_and_debriefs(
    client, coordinator, other_coordinator, manager, departing, settings
):
    settings.COSA_SUPERVISION_INTERVAL_WEEKS = 8
    volunteer = departing["volunteer"]
    _reassign(coordinator, other_coordinator, manager)

    client.force_login(other_coordinator)
    page = client.get(reverse("volunteering:supervision"))
    rows = {v.pk: v for v in page.context["page"]}
    assert rows[volunteer.pk].supervision_due_on == _ago(60) + datetime.timedelta(weeks=8)
    assert [d.pk for d in page.context["debriefs"]] == [departing["debrief"].pk]
    profile = client.get(reverse("volunteers:detail", args=[volunteer.pk]))
    assert NOTE in profile.content.decode()
    url = reverse("volunteering:debrief_record", args=[departing["debrief"].pk])
    assert client.post(url, {"held_on": _ago(1).isoformat()}).status_code == 302
    departing["debrief"].refresh_from_db()
    assert departing["debrief"].held_by == other_coordinator


def test_the_session_still_names_who_held_it_and_the_move_names_the_manager(
    coordinator, other_coordinator, manager, departing
):
    _reassign(coordinator, other_coordinator, manager)
    session = SupervisionSession.objects.get(pk=departing["session"].pk)
    assert (session.coordinator, session.supervisor) == (coordinator, other_coordinator)
    latest = session.history.order_by("-history_id").first()
    assert latest.supervisor_id == other_coordinator.pk
    assert latest.history_user == manager


def test_the_reminder_waiting_for_the_old_coordinator_is_not_sent_and_the_new_one_is_owed(
    coordinator, other_coordinator, manager, departing, settings
):
    from circles import reminders

    settings.COSA_SUPERVISION_INTERVAL_WEEKS = 8
    settings.COSA_SUPERVISION_REMINDERS = True
    _reassign(coordinator, other_coordinator, manager)
    departing["reminder"].refresh_from_db()
    assert departing["reminder"].sent_at is not None
    assert departing["reminder"].skipped_reason
    reminders.sweep()
    owed = Reminder.objects.unsent().filter(kind=Reminder.Kind.SUPERVISION_DUE)
    assert [r.recipient for r in owed] == [other_coordinator]


def test_notes_on_volunteers_outside_the_caseload_stay_with_their_holder(
    coordinator, other_coordinator, manager, departing
):
    # A volunteer the departing coordinator once supervised, now in a third's circle.
    elsewhere = CircleMembershipFactory()
    kept = SupervisionSessionFactory(volunteer=elsewhere.volunteer, coordinator=coordinator)
    _reassign(coordinator, other_coordinator, manager)
    kept.refresh_from_db()
    assert kept.supervisor == coordinator


def test_a_new_session_is_read_by_its_holder(coordinator, departing):
    session = volunteer_services.supervision_record(
        volunteer=departing["volunteer"], held_on=_ago(1), notes="New", acting_user=coordinator
    )
    assert session.supervisor == coordinator
    assert supervision_visible_to(coordinator).filter(pk=session.pk).exists()
