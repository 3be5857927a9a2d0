"""Hours credited from reviewed minutes, once per volunteer and meeting."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from circles import services as circle_services
from circles.models import MeetingNote
from circles.tests.factories import (
    ActiveCircleFactory,
    CircleMembershipFactory,
    MeetingFactory,
    MeetingNoteFactory,
)
from volunteering import services
from volunteers.models import VolunteerHours
from volunteers.tests.factories import ActiveVolunteerFactory, VolunteerHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle():
    return ActiveCircleFactory(name="Thursday circle")


def _submitted_minutes(circle, present, absent=(), minutes=90):
    meeting = MeetingFactory(circle=circle, status="HELD")
    note = MeetingNoteFactory(
        meeting=meeting,
        author=present[0].user,
        status=MeetingNote.Status.SUBMITTED,
        submitted_at=timezone.now(),
        duration_minutes=minutes,
    )
    note.volunteers_present.set(present)
    return note


def _members(circle, n):
    return [CircleMembershipFactory(circle=circle).volunteer for _ in range(n)]


def test_minutes_not_yet_reviewed_credit_nothing(circle):
    first, second = _members(circle, 2)
    note = _submitted_minutes(circle, [first, second])
    with pytest.raises(Exception, match="reviewed minutes only"):
        services.hours_credit_from_minutes(note=note, acting_user=circle.coordinator)
    assert not VolunteerHours.objects.exists()


def test_reviewing_credits_each_volunteer_present_the_meeting_once(circle):
    first, second, absent = _members(circle, 3)
    note = _submitted_minutes(circle, [first, second], minutes=90)
    circle_services.note_review(note=note, acting_user=circle.coordinator)
    rows = VolunteerHours.objects.order_by("volunteer_id")
    assert [(r.volunteer, r.meeting, r.hours, r.kind) for r in rows] == [
        (first, note.meeting, Decimal("1.50"), "MEETING"),
        (second, note.meeting, Decimal("1.50"), "MEETING"),
    ]
    assert not absent.hours.exists()
    # Crediting again (a retried hook, a second review path) adds nothing.
    note.refresh_from_db()
    assert services.hours_credit_from_minutes(note=note, acting_user=circle.coordinator) == []
    assert VolunteerHours.objects.count() == 2


def test_reviewing_twice_is_refused_and_still_credits_once(circle):
    (first,) = _members(circle, 1)
    note = _submitted_minutes(circle, [first])
    circle_services.note_review(note=note, acting_user=circle.coordinator)
    note.refresh_from_db()
    with pytest.raises(Exception):  # noqa: B017 (the state machine's own error)
        circle_services.note_review(note=note, acting_user=circle.coordinator)
    assert first.hours.count() == 1


def test_the_database_refuses_a_second_row_for_one_volunteer_and_meeting(circle):
    (first,) = _members(circle, 1)
    meeting = MeetingFactory(circle=circle)
    VolunteerHoursFactory(volunteer=first, meeting=meeting)
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerHours.objects.create(
            volunteer=first,
            meeting=meeting,
            worked_on=meeting.starts_at.date(),
            kind="MEETING",
            hours=Decimal("1.5"),
        )


def test_a_refused_review_credits_nothing(circle):
    (first,) = _members(circle, 1)
    note = _submitted_minutes(circle, [first])
    stranger = ActiveCircleFactory().coordinator
    with pytest.raises(Exception, match="coordinator reviews"):
        circle_services.note_review(note=note, acting_user=stranger)
    assert not VolunteerHours.objects.exists()


# The volunteer's totals and download ---------------------------------------------------------


def test_the_volunteer_downloads_their_hours_formula_safe(client, circle):
    (volunteer,) = _members(circle, 1)
    VolunteerHoursFactory(volunteer=volunteer, kind="PREPARATION", note="=HYPERLINK(1)")
    note = _submitted_minutes(circle, [volunteer])
    circle_services.note_review(note=note, acting_user=circle.coordinator)
    client.force_login(volunteer.user)
    response = client.get(reverse("volunteers:hours_export", args=[volunteer.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Date", "What for", "Hours", "Circle", "Source", "Note"]
    notes = [row[5] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in notes
    assert any(row[4] == "from the minutes" and row[3] == "Thursday circle" for row in rows)
    assert rows[-1] == ["Total all time", "", "3.00", "", "", ""]


def test_others_get_404_on_the_hours_download(client, circle, liaison):
    (volunteer,) = _members(circle, 1)
    for user in (ActiveVolunteerFactory().user, liaison):
        client.force_login(user)
        assert (
            client.get(reverse("volunteers:hours_export", args=[volunteer.pk])).status_code == 404
        )


def test_the_hours_page_shows_this_month_this_year_and_all_time(client, circle):
    (volunteer,) = _members(circle, 1)
    note = _submitted_minutes(circle, [volunteer], minutes=120)
    circle_services.note_review(note=note, acting_user=circle.coordinator)
    client.force_login(volunteer.user)
    response = client.get(reverse("volunteers:hours", args=[volunteer.pk]))
    assert response.status_code == 200
    meetings = dict(response.context["totals"])["Meetings"]
    assert meetings[2] == Decimal("2.00")
    assert b"This month" in response.content and b"All time" in response.content
