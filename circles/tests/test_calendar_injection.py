"""A line break in a circle or venue name cannot forge calendar lines or stop reminders."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.urls import reverse

from circles import reminders, tasks
from circles.models import Circle, Reminder
from circles.tests.factories import (
    ActiveCircleFactory,
    CircleMembershipFactory,
    MeetingFactory,
    launchable_circle,
)
from cosa.validators import MESSAGE

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
FORGED = "END:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Forged\r\nDTSTART:20261030T100000Z"
BREAKS = ["\r", "\n", "\r\n"]


def _events(ics):
    return icalendar.Calendar.from_ical(ics).walk("VEVENT")


def _as_rfc5545_text(value):
    # iCalendar TEXT has one line break, "\n": a CR or CRLF comes back as LF.
    return value.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def meeting(coordinator, freeze_time):
    freeze_time(datetime.datetime(2026, 10, 1, 12, 0))
    circle = ActiveCircleFactory(coordinator=coordinator)
    CircleMembershipFactory(circle=circle)
    start = datetime.datetime(2026, 10, 29, 18, 30, tzinfo=LONDON).astimezone(datetime.UTC)
    return MeetingFactory(circle=circle, starts_at=start)


def _hostile(meeting, brk):
    """Names that reached the database without a form (an import, the shell, old data)."""
    name, venue = f"Thursday{brk}{FORGED}", f"Room 2{brk}{FORGED}"
    Circle.objects.filter(pk=meeting.circle_id).update(name=name, venue=venue)
    meeting.venue = ""
    meeting.save(update_fields=["venue"])
    meeting.refresh_from_db()
    return name, venue


@pytest.mark.parametrize("brk", BREAKS, ids=["cr", "lf", "crlf"])
def test_a_line_break_in_a_name_stays_inside_one_event(meeting, brk):
    name, venue = _hostile(meeting, brk)
    ics = reminders.meeting_ics(meeting)

    (event,) = _events(ics)
    assert str(event["summary"]) == _as_rfc5545_text(f"{name} meeting")
    assert str(event["location"]) == _as_rfc5545_text(venue)
    assert event.decoded("dtstart") == datetime.datetime(2026, 10, 29, 18, 30, tzinfo=LONDON)
    # No bare CR or LF anywhere: every line ends CRLF, none starts a forged property.
    lines = ics.split("\r\n")
    assert "\r" not in "".join(lines) and "\n" not in "".join(lines)
    assert not any(line.startswith(("SUMMARY:Forged", "DTSTART:2026103")) for line in lines)
    assert sum(line == "BEGIN:VEVENT" for line in lines) == 1


@pytest.mark.parametrize("brk", BREAKS, ids=["cr", "lf", "crlf"])
def test_the_reminder_of_a_circle_with_a_line_break_in_its_name_is_sent(meeting, brk, freeze_time):
    name, _ = _hostile(meeting, brk)
    now = freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    reminders.sweep(now=now)
    ids = list(Reminder.objects.values_list("pk", flat=True))
    assert ids

    assert [tasks.send_reminder(pk) for pk in ids] == ["sent"] * len(ids)

    assert len(mail.outbox) == len(ids)
    message = mail.outbox[0]
    assert "\r" not in message.subject and "\n" not in message.subject
    assert message.subject.startswith("Reminder: Thursday END:VEVENT BEGIN:VEVENT")
    ((_, ics, _),) = message.attachments
    (event,) = _events(ics)
    assert str(event["summary"]) == _as_rfc5545_text(f"{name} meeting")


@pytest.mark.parametrize("brk", BREAKS, ids=["cr", "lf", "crlf"])
def test_the_pattern_form_refuses_a_line_break_in_the_venue(client, coordinator, brk):
    circle = launchable_circle(coordinator=coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:pattern", args=[circle.pk]),
        {
            "weekday": circle.weekday,
            "meeting_time": circle.meeting_time.strftime("%H:%M"),
            "venue": f"Room 2{brk}{FORGED}",
            "frequency": circle.frequency,
            "duration_minutes": circle.duration_minutes,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["venue"] == [MESSAGE]
    assert "no line breaks" in response.content.decode()
    assert Circle.objects.get(pk=circle.pk).venue == circle.venue


@pytest.mark.parametrize("brk", BREAKS, ids=["cr", "lf", "crlf"])
def test_forming_a_circle_refuses_a_line_break_in_its_name(client, coordinator, brk):
    circle = launchable_circle(coordinator=coordinator)
    core_member = circle.core_member
    Circle.objects.filter(pk=circle.pk).delete()
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:create", args=[core_member.pk]),
        {
            "name": f"Thursday{brk}{FORGED}",
            "kind": Circle.Kind.COMMUNITY,
            "coordinator": coordinator.pk,
            "weekday": 3,
            "meeting_time": "18:30",
            "venue": "Room 2",
            "frequency": circle.frequency,
            "duration_minutes": 90,
        },
    )
    assert response.status_code == 200
    assert "no line breaks" in str(response.context["form"].errors["name"])
    assert not Circle.objects.filter(core_member=core_member).exists()
