"""The dashboard's "also due" lines: each count, its oldest date and its link, for the
coordinator's own circles only, in one query however many rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles import needs
from circles.access import CHANGE, CircleScope
from circles.models import Meeting, ReviewMilestone
from circles.tests.factories import MeetingFactory, ReviewMilestoneFactory, launchable_circle
from coreMembers.models import Referral
from coreMembers.tests.factories import ReferralFactory, SharingAgreementFactory
from volunteers.models import DBSCheck

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def by_key(user):
    return {n.key: n for n in needs.needs_for(user, CircleScope(user, CHANGE))}


def plant(circle, *, offset=0):
    """One row due on every line, for ``circle``'s coordinator."""
    ReviewMilestoneFactory(
        circle=circle, kind=ReviewMilestone.Kind.MONTH_3, due_on=days(-10 - offset)
    )
    ReviewMilestoneFactory(
        circle=circle, kind=ReviewMilestone.Kind.MONTH_6, due_on=days(15 + offset)
    )
    monday = today() - datetime.timedelta(days=today().weekday())
    noon = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(12, 0)))
    MeetingFactory(circle=circle, starts_at=noon + datetime.timedelta(days=1, minutes=offset))
    volunteer = circle.memberships.first().volunteer
    # Its latest check falls due for renewal soon.
    DBSCheck.objects.filter(volunteer=volunteer).update(recheck_due_on=days(20 + offset))
    agreement = circle.core_member.sharing_agreements.order_by("-version").first()
    agreement.expires_on = days(20 + offset)
    agreement.save(update_fields=["expires_on"])
    return ReferralFactory(
        core_member=circle.core_member,
        coordinator=circle.coordinator,
        status=Referral.Status.ASSESSING,
        received_on=days(-50 - offset),
    )


def test_another_coordinators_rows_are_not_counted(coordinator, other_coordinator):
    plant(launchable_circle(coordinator=other_coordinator))
    launchable_circle(coordinator=coordinator)
    assert {key: n.count for key, n in by_key(coordinator).items()} == {
        "reviews_overdue": 0,
        "reviews_due": 0,
        "meetings_this_week": 0,
        "dbs_rechecks": 0,
        "agreements": 0,
        "referrals": 0,
    }


def test_every_line_counts_its_rows_and_names_the_oldest(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    referral = plant(circle)
    lines = by_key(coordinator)
    assert lines["reviews_overdue"].count == 1
    assert lines["reviews_overdue"].oldest == days(-10)
    assert lines["reviews_overdue"].first_pk == circle.pk
    assert lines["reviews_due"].count == 1
    assert lines["reviews_due"].oldest == days(15)
    assert lines["meetings_this_week"].count == 1
    assert lines["dbs_rechecks"].count == 1
    assert lines["dbs_rechecks"].first_pk == circle.memberships.first().volunteer_id
    assert lines["agreements"].count == 1
    assert lines["agreements"].oldest == days(20)
    assert lines["agreements"].first_pk == circle.core_member_id
    assert lines["referrals"].first_pk == referral.pk
    assert lines["referrals"].oldest == days(-50)


def test_done_cancelled_and_far_rows_are_not_due(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    ReviewMilestoneFactory(
        circle=circle,
        kind=ReviewMilestone.Kind.MONTH_3,
        due_on=days(-5),
        completed_on=days(-4),
        decision=ReviewMilestone.Decision.CONTINUE,
    )
    ReviewMilestoneFactory(
        circle=circle, kind=ReviewMilestone.Kind.MONTH_6, due_on=days(-5), cancelled_on=days(-4)
    )
    ReviewMilestoneFactory(circle=circle, kind=ReviewMilestone.Kind.MONTH_9, due_on=days(45))
    MeetingFactory(
        circle=circle,
        starts_at=timezone.now() + datetime.timedelta(days=8),
    )
    lines = by_key(coordinator)
    assert lines["reviews_overdue"].count == 0
    assert lines["reviews_due"].count == 0
    # The agreement of launchable_circle runs for a year: not expiring.
    assert lines["agreements"].count == 0


def test_a_withdrawn_agreement_is_due_and_a_newer_version_replaces_it(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    agreement = circle.core_member.sharing_agreements.get()
    agreement.withdrawn_on = days(-1)
    agreement.save(update_fields=["withdrawn_on"])
    assert by_key(coordinator)["agreements"].count == 1
    SharingAgreementFactory(core_member=circle.core_member)
    assert by_key(coordinator)["agreements"].count == 0


def test_a_cancelled_meeting_is_not_this_weeks(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    plant(circle)
    Meeting.objects.filter(circle=circle).update(
        status=Meeting.Status.CANCELLED, cancelled_reason="Venue closed"
    )
    assert by_key(coordinator)["meetings_this_week"].count == 0


def test_the_lines_cost_one_query_at_any_size(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    plant(circle)
    with CaptureQueriesContext(connection) as small:
        by_key(coordinator)
    for offset in range(1, 4):
        plant(launchable_circle(coordinator=coordinator), offset=offset)
    with CaptureQueriesContext(connection) as large:
        lines = by_key(coordinator)
    # The caseload's circle ids (CircleScope), then every line in one query.
    assert len(small) == len(large) == 2
    assert lines["reviews_overdue"].count == 4
    assert lines["reviews_overdue"].oldest == days(-13)


def test_the_dashboard_shows_each_line_with_its_link(client, coordinator, manager):
    circle = launchable_circle(coordinator=coordinator)
    referral = plant(circle)
    client.force_login(coordinator)
    body = client.get(reverse("circles:dashboard")).content.decode()
    assert "Reviews overdue" in body
    assert "Referrals awaiting a decision" in body
    assert reverse("core_members:referral_detail", args=[referral.pk]) in body
    assert reverse("circles:detail", args=[circle.pk]) in body
    assert reverse("calendars:mine") in body
    # The manager sees the same lines across the service.
    assert by_key(manager)["referrals"].count >= 1
    assert by_key(manager)["reviews_overdue"].count == 1


def test_minutes_waiting_over_48_hours_are_flagged(client, coordinator):
    from circles import services

    circle = launchable_circle(coordinator=coordinator)
    circle.memberships.update(joined_on=today() - datetime.timedelta(days=30))
    volunteer = circle.memberships.first().volunteer
    meeting = MeetingFactory(circle=circle, starts_at=timezone.now() - datetime.timedelta(days=4))
    note = services.note_save(
        meeting=meeting, acting_user=volunteer.user, attendance="YES", summary="Notes.", submit=True
    )
    client.force_login(coordinator)
    assert "waiting over 48 h" not in client.get(reverse("circles:dashboard")).content.decode()
    type(note).objects.filter(pk=note.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=49)
    )
    assert "waiting over 48 h" in client.get(reverse("circles:dashboard")).content.decode()


def test_the_manager_sees_the_work_by_coordinator_busiest_first(
    client, coordinator, other_coordinator, manager
):
    circle = launchable_circle(coordinator=coordinator)
    plant(circle)
    launchable_circle(coordinator=other_coordinator)
    loads = {load.coordinator: load for load in needs.by_coordinator()}
    assert loads[coordinator].reviews_overdue == 1
    assert loads[coordinator].reviews_due == 1
    assert loads[coordinator].referrals == 1
    assert loads[other_coordinator].reviews_overdue == 0
    assert needs.by_coordinator()[0].coordinator == coordinator
    with CaptureQueriesContext(connection) as small:
        needs.by_coordinator()
    for offset in range(1, 3):
        plant(launchable_circle(coordinator=other_coordinator), offset=offset)
    with CaptureQueriesContext(connection) as large:
        loads = needs.by_coordinator()
    assert len(small) == len(large) == 1
    assert loads[0].coordinator == other_coordinator
    client.force_login(manager)
    body = client.get(reverse("circles:dashboard")).content.decode()
    assert "By coordinator" in body
    assert coordinator.get_full_name() in body
    # A coordinator's own dashboard has no table of colleagues.
    client.force_login(coordinator)
    body = client.get(reverse("circles:dashboard")).content.decode()
    assert "By coordinator" not in body
    assert other_coordinator.get_full_name() not in body
