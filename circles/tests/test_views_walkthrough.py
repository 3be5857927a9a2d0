"""A circle's whole life through its pages, as the coordinator clicks it, over a year:
formed from the accepted referral, matched, covenant agreed, launched, reviewed,
tapered and ended at the 12-month review with an outcome."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import Circle, Meeting
from coreMembers import services as cm_services
from coreMembers.models import CoreMember, Referral
from coreMembers.tests.factories import ReferralFactory, SharingAgreementFactory
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

GOALS = "Weekly routine; voluntary work by the summer; keep to the licence."
OUTCOME = "Completed: volunteering twice a week, living independently, licence ended cleanly."


def _follow(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def test_a_circle_from_forming_to_its_twelve_month_end(client, coordinator, freeze_time):
    freeze_time(datetime.datetime(2027, 1, 4, 10, 0))  # a Monday
    referral = ReferralFactory(
        status=Referral.Status.ACCEPTED,
        core_member__status=CoreMember.Status.ACCEPTED,
        coordinator=coordinator,
    )
    core_member = referral.core_member
    cm_services.core_member_assign_coordinator(core_member=core_member, coordinator=coordinator)
    SharingAgreementFactory(core_member=core_member)
    volunteers = [ActiveVolunteerFactory(user__last_name=f"Walker{n}") for n in range(3)]
    client.force_login(coordinator)

    # Formed: the checklist names what is still missing.
    page = _follow(
        client,
        client.post(
            reverse("circles:create", args=[core_member.pk]),
            {
                "name": "Thursday circle",
                "kind": "COMMUNITY",
                "coordinator": coordinator.pk,
                "weekday": 3,
                "meeting_time": "18:30",
                "venue": "Northshire Community Centre",
                "frequency": "WEEKLY",
                "duration_minutes": 90,
            },
        ),
    )
    circle = Circle.objects.get()
    assert "No covenant has been agreed." in page
    assert "completed training; 0 do." in page

    # Matched and agreed: every condition met.
    for index, volunteer in enumerate(volunteers):
        role = "PRIMARY" if index == 0 else "VOLUNTEER"
        match = client.post(
            reverse("circles:match", args=[circle.pk]), {"volunteer": volunteer.pk, "role": role}
        )
        assert match.status_code == 302
    page = _follow(
        client,
        client.post(
            reverse("circles:covenant", args=[circle.pk]),
            {"goals": GOALS, "frequency": "WEEKLY", "agreed_on": "2027-01-04"},
        ),
    )
    assert "Every condition is met" in page

    # Launched: weekly Thursday meetings ahead and four reviews.
    page = _follow(
        client,
        client.post(reverse("circles:launch", args=[circle.pk]), {"launched_on": "2027-01-04"}),
    )
    assert "Thursday circle launched." in page
    circle.refresh_from_db()
    assert circle.status == Circle.Status.ACTIVE
    assert circle.planned_end_on == datetime.date(2028, 1, 4)
    first = circle.meetings.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at) == datetime.datetime(
        2027, 1, 7, 18, 30, tzinfo=timezone.get_current_timezone()
    )
    assert list(circle.milestones.values_list("due_on", flat=True)) == [
        datetime.date(2027, 4, 4),
        datetime.date(2027, 7, 4),
        datetime.date(2027, 10, 4),
        datetime.date(2028, 1, 4),
    ]

    # A meeting is called off.
    _follow(
        client,
        client.post(
            reverse("circles:meeting_cancel", args=[circle.pk, first.pk]),
            {"reason": "Venue flooded"},
        ),
    )

    # Three months on: the review is recorded and the circle continues.
    freeze_time(datetime.datetime(2027, 4, 5, 10, 0))
    client.force_login(coordinator)
    m3 = circle.milestones.get(kind="M3")
    review = {
        "completed_on": "2027-04-05",
        "attendees": "Coordinator, Core Member, three volunteers, offender manager",
        "progress_notes": "Routine in place; applying for voluntary work.",
    }
    page = _follow(
        client,
        client.post(
            reverse("circles:review", args=[circle.pk, m3.pk]), review | {"decision": "CONTINUE"}
        ),
    )
    assert "3-month review recorded: the circle continues." in page

    # Six months on: the circle tapers to fortnightly, which re-agrees the covenant.
    freeze_time(datetime.datetime(2027, 7, 5, 10, 0))
    client.force_login(coordinator)
    _follow(
        client,
        client.post(
            reverse("circles:covenant", args=[circle.pk]),
            {"goals": GOALS, "frequency": "FORTNIGHTLY", "agreed_on": "2027-07-05"},
        ),
    )
    circle.refresh_from_db()
    assert circle.frequency == "FORTNIGHTLY"
    assert circle.covenants.count() == 2
    ahead = [
        timezone.localdate(m.starts_at)
        for m in circle.meetings.filter(
            status=Meeting.Status.SCHEDULED, starts_at__gte=timezone.now()
        )
    ]
    assert ahead and all((b - a).days == 14 for a, b in zip(ahead, ahead[1:], strict=False))

    # Twelve months on: the review ends the circle with its outcome.
    freeze_time(datetime.datetime(2028, 1, 5, 10, 0))
    client.force_login(coordinator)
    m12 = circle.milestones.get(kind="M12")
    page = _follow(
        client,
        client.post(
            reverse("circles:review", args=[circle.pk, m12.pk]),
            review
            | {
                "completed_on": "2028-01-05",
                "decision": "END",
                "end_reason": "COMPLETED",
                "outcome_notes": OUTCOME,
            },
        ),
    )
    assert "12-month review recorded: the circle has ended." in page
    assert OUTCOME in page
    circle.refresh_from_db()
    assert (circle.status, circle.end_reason, circle.ended_on) == (
        Circle.Status.ENDED,
        "COMPLETED",
        datetime.date(2028, 1, 5),
    )
    assert not circle.memberships.current().exists()
    core_member.refresh_from_db()
    assert core_member.status == CoreMember.Status.ENDED
    # The volunteers no longer see it.
    client.force_login(volunteers[0].user)
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 404
