"""Supervision due: the coordinator's list and the dashboard's block; debriefs recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from circles.models import Concern
from circles.tests.factories import ConcernFactory
from volunteering import services
from volunteering.models import SupervisionDebrief
from volunteering.tests.factories import coordinated_membership
from volunteers.tests.factories import SupervisionSessionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _ago(days):
    return TODAY() - datetime.timedelta(days=days)


def test_outsiders_get_404_on_supervision_and_debriefs(client, liaison, other_coordinator):
    membership = coordinated_membership()
    concern = ConcernFactory(circle=membership.circle, severity=Concern.Severity.RED)
    (debrief,) = services.debriefs_offer(concern=concern, acting_user=membership.circle.coordinator)
    url = reverse("volunteering:debrief_record", args=[debrief.pk])
    for user in (membership.volunteer.user, liaison):
        client.force_login(user)
        assert client.get(reverse("volunteering:supervision")).status_code == 404
        assert client.post(url, {"held_on": TODAY().isoformat()}).status_code == 404
    client.force_login(other_coordinator)
    page = client.get(reverse("volunteering:supervision"))
    assert membership.volunteer.user.last_name not in page.content.decode()
    assert client.post(url, {"held_on": TODAY().isoformat()}).status_code == 404
    debrief.refresh_from_db()
    assert debrief.held_on is None


def test_only_the_circles_coordinator_or_a_manager_records_a_debrief(
    liaison, other_coordinator, manager
):
    membership = coordinated_membership()
    concern = ConcernFactory(circle=membership.circle, severity=Concern.Severity.RED)
    (debrief,) = services.debriefs_offer(concern=concern, acting_user=membership.circle.coordinator)
    for user in (membership.volunteer.user, liaison, other_coordinator):
        with pytest.raises(ValidationError):
            services.debrief_record(debrief=debrief, held_on=_ago(1), acting_user=user)
    debrief.refresh_from_db()
    assert debrief.held_on is None
    services.debrief_record(debrief=debrief, held_on=_ago(1), acting_user=manager)
    debrief.refresh_from_db()
    assert debrief.held_by == manager


def test_overdue_supervision_is_on_the_coordinators_dashboard(client, settings):
    settings.COSA_SUPERVISION_INTERVAL_WEEKS = 8
    overdue = coordinated_membership()
    coordinator = overdue.circle.coordinator
    SupervisionSessionFactory(volunteer=overdue.volunteer, held_on=_ago(60))
    from circles.tests.factories import CircleMembershipFactory

    recent = CircleMembershipFactory(circle=overdue.circle)
    SupervisionSessionFactory(volunteer=recent.volunteer, held_on=_ago(10))
    client.force_login(coordinator)
    response = client.get(reverse("circles:dashboard"))
    body = response.content.decode()
    assert "Supervision overdue" in body
    assert overdue.volunteer.user.get_full_name() in body
    assert recent.volunteer.user.get_full_name() not in body
    page = client.get(reverse("volunteering:supervision"))
    rows = {v.pk: v for v in page.context["page"]}
    assert rows[overdue.volunteer.pk].supervision_overdue
    assert rows[overdue.volunteer.pk].supervision_due_on == _ago(60) + datetime.timedelta(weeks=8)
    assert not rows[recent.volunteer.pk].supervision_overdue


def test_a_scope_read_for_someone_else_or_another_permission_is_not_used(other_coordinator):
    """The dashboard hands its CircleScope to the supervision section; a scope that does
    not answer "this user's circles they may change" is ignored, never trusted."""
    from circles.access import CHANGE, VIEW, CircleScope
    from volunteering.access import debriefs_visible_to, supervised_volunteers_for

    membership = coordinated_membership()
    coordinator = membership.circle.coordinator
    ConcernFactory(circle=membership.circle, severity=Concern.Severity.RED)
    services.debriefs_offer(
        concern=Concern.objects.get(circle=membership.circle), acting_user=coordinator
    )
    own = CircleScope(coordinator, CHANGE)
    assert list(supervised_volunteers_for(coordinator, own)) == [membership.volunteer]
    assert debriefs_visible_to(coordinator, own).count() == 1
    # The other coordinator given the first one's scope still sees only their own.
    assert not supervised_volunteers_for(other_coordinator, own).exists()
    assert not debriefs_visible_to(other_coordinator, own).exists()
    for borrowed in (CircleScope(coordinator, VIEW), CircleScope.service_wide()):
        assert not supervised_volunteers_for(other_coordinator, borrowed).exists()
        assert not debriefs_visible_to(other_coordinator, borrowed).exists()


def test_a_debrief_is_recorded_once_and_never_in_the_future(client):
    membership = coordinated_membership()
    coordinator = membership.circle.coordinator
    concern = ConcernFactory(circle=membership.circle, severity=Concern.Severity.RED)
    (debrief,) = services.debriefs_offer(concern=concern, acting_user=coordinator)
    client.force_login(coordinator)
    url = reverse("volunteering:debrief_record", args=[debrief.pk])
    client.post(url, {"held_on": (TODAY() + datetime.timedelta(days=1)).isoformat()})
    debrief.refresh_from_db()
    assert debrief.held_on is None
    client.post(url, {"held_on": "not a date"})
    client.post(url, {"held_on": _ago(1).isoformat()})
    client.post(url, {"held_on": _ago(2).isoformat()})
    debrief.refresh_from_db()
    assert (debrief.held_on, debrief.held_by) == (_ago(1), coordinator)


def test_an_amber_concern_offers_no_debrief():
    membership = coordinated_membership()
    concern = ConcernFactory(circle=membership.circle, severity=Concern.Severity.AMBER)
    assert services.debriefs_offer(concern=concern, acting_user=membership.circle.coordinator) == []
    assert not SupervisionDebrief.objects.exists()


def test_the_supervision_page_does_not_grow_with_rows(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from circles.tests.factories import CircleMembershipFactory

    membership = coordinated_membership()
    coordinator = membership.circle.coordinator
    client.force_login(coordinator)

    def measure():
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("volunteering:supervision"))
            [v.user.get_full_name() for v in response.context["page"]]
            [d.volunteer.user.get_full_name() for d in response.context["debriefs"]]
        return len(context.captured_queries)

    few = measure()
    for _ in range(5):
        SupervisionSessionFactory(
            volunteer=CircleMembershipFactory(circle=membership.circle).volunteer
        )
    assert measure() == few


def test_overdue_supervision_is_reminded_once_to_the_coordinator(settings):
    from circles import reminders
    from circles.models import Reminder

    settings.COSA_SUPERVISION_INTERVAL_WEEKS = 8
    settings.COSA_SUPERVISION_REMINDERS = True
    membership = coordinated_membership()
    # Due four days ago (56 days after the session): within the sweep's look-back week.
    session = SupervisionSessionFactory(volunteer=membership.volunteer, held_on=_ago(60))
    first = reminders.sweep().created
    again = reminders.sweep().created
    rows = list(Reminder.objects.filter(kind=Reminder.Kind.SUPERVISION_DUE))
    assert (first, again, len(rows)) == (1, 0, 1)
    reminder = rows[0]
    assert reminder.recipient == membership.circle.coordinator
    assert reminder.object_id == membership.volunteer.pk
    # No name: the bell entry outlives the volunteer's erasure (the page names them).
    user = membership.volunteer.user
    user.first_name, user.last_name = "Ottoline", "Brackenridge"
    user.save(update_fields=["first_name", "last_name"])
    message = reminders.compose(reminder)
    assert message.link == reverse("volunteering:supervision")
    for name in ("Ottoline", "Brackenridge"):
        assert name not in message.subject and name not in message.body
    assert message.subject == (f"Supervision due on {_ago(4).day} {_ago(4):%B %Y} for a volunteer")
    # Supervised since: the reminder is no longer needed, and no new one is due.
    session.held_on = _ago(1)
    session.save()
    with pytest.raises(reminders.NotNeeded):
        reminders.compose(reminder)
    assert reminders.sweep().created == 0
