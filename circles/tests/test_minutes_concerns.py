"""Concerns from a phone: RED alerts the coordinator at once, detail-free; triage."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from circles import services
from circles.models import Concern, Meeting, MeetingNote
from circles.tests.factories import (
    ConcernFactory,
    MeetingFactory,
    MeetingNoteFactory,
    launchable_circle,
)

pytestmark = pytest.mark.django_db

SECRET = "He said he waited outside Hillcrest Primary"


@pytest.fixture
def circle(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    circle.memberships.update(joined_on=timezone.localdate() - datetime.timedelta(days=30))
    return circle


@pytest.fixture
def members(circle):
    return [m.volunteer for m in circle.memberships.select_related("volunteer__user")]


@pytest.fixture
def meeting(circle):
    return MeetingFactory(circle=circle)


@pytest.fixture
def send_now(monkeypatch):
    """Run the e-mail task in-process when the transaction commits."""
    from accounts import tasks

    monkeypatch.setattr(
        tasks.send_notification_email, "delay", lambda pk: tasks.send_notification_email(pk)
    )


def concern_post(**overrides):
    data = {
        "attendance": "YES",
        "summary": "A difficult meeting.",
        "action": "submit",
        "raise_concern": "on",
        "concern_category": Concern.Category.RISK_BEHAVIOUR,
        "concern_severity": Concern.Severity.RED,
        "concern_description": SECRET,
    }
    data.update(overrides)
    return data


def test_a_red_concern_in_the_minutes_alerts_only_the_coordinator_once_without_details(
    client,
    meeting,
    members,
    coordinator,
    other_coordinator,
    manager,
    send_now,
    django_capture_on_commit_callbacks,
):
    client.force_login(members[0].user)
    url = reverse("circles:note_write", args=[meeting.circle_id, meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, concern_post())
    concern = Concern.objects.get()
    detail = reverse("circles:concern_detail", args=[meeting.circle_id, concern.pk])
    assert response.status_code == 302
    assert response["Location"] == detail
    assert (concern.severity, concern.meeting, concern.raised_by) == (
        "RED",
        meeting,
        members[0].user,
    )
    assert MeetingNote.objects.get().status == MeetingNote.Status.SUBMITTED
    # Exactly one alert, to the circle's coordinator, and none to anyone else.
    assert list(Notification.objects.values_list("recipient", flat=True)) == [coordinator.pk]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [coordinator.email]
    assert SECRET not in message.subject + message.body
    assert "Hillcrest" not in message.subject + message.body
    assert detail in message.body
    # The volunteer is shown what to do in an emergency.
    page = client.get(detail).content.decode()
    assert "Call 999" in page
    assert 'href="tel:999"' in page


def test_imminent_risk_alone_alerts_the_coordinator(
    client, circle, members, coordinator, send_now, django_capture_on_commit_callbacks
):
    client.force_login(members[1].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("circles:concern_raise", args=[circle.pk]),
            {
                "concern_category": Concern.Category.WELLBEING,
                "concern_imminent": "on",
                "concern_description": "Talked about ending it tonight.",
            },
        )
    concern = Concern.objects.get()
    assert response.status_code == 302
    # Imminent risk without a chosen severity is recorded as RED.
    assert (concern.severity, concern.imminent_risk) == ("RED", True)
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "ending it" not in mail.outbox[0].body


def test_an_amber_concern_alerts_nobody_by_email_but_waits_on_the_dashboard(
    client, circle, members, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(members[0].user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("circles:concern_raise", args=[circle.pk]),
            {
                "concern_category": Concern.Category.WELLBEING,
                "concern_severity": Concern.Severity.AMBER,
                "concern_description": "Low since losing his job.",
            },
        )
    assert Concern.objects.count() == 1
    assert not Notification.objects.exists()
    assert mail.outbox == []
    client.force_login(coordinator)
    page = client.get(reverse("circles:dashboard")).content.decode()
    assert "Amber" in page


def test_an_incomplete_concern_writes_neither_minutes_nor_concern(
    client, meeting, members, django_capture_on_commit_callbacks
):
    client.force_login(members[0].user)
    url = reverse("circles:note_write", args=[meeting.circle_id, meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, concern_post(concern_category=""))
    assert response.status_code == 200
    assert "concern_category" in response.context["form"].errors
    assert not MeetingNote.objects.exists()
    assert not Concern.objects.exists()
    assert not Notification.objects.exists()


def test_an_emergency_meeting_request_tells_the_coordinator_at_once(
    client, circle, members, coordinator, send_now, django_capture_on_commit_callbacks
):
    client.force_login(members[0].user)
    url = reverse("circles:emergency_request", args=[circle.pk])
    past = timezone.localtime() - datetime.timedelta(hours=2)
    response = client.post(url, {"date": past.date().isoformat(), "time": past.strftime("%H:%M")})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Meeting.objects.filter(kind=Meeting.Kind.EMERGENCY).exists()
    soon = timezone.localtime() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"date": soon.date().isoformat(), "time": "18:00", "venue": "Church hall"},
        )
    assert response.status_code == 302
    meeting = Meeting.objects.get(kind=Meeting.Kind.EMERGENCY)
    assert (meeting.status, meeting.requested_by) == (Meeting.Status.SCHEDULED, members[0].user)
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "Church hall" not in mail.outbox[0].body
    client.force_login(coordinator)
    page = client.get(reverse("circles:dashboard")).content.decode()
    assert "Emergency meeting requests" in page
    assert members[0].user.get_full_name() in page


def test_a_coordinator_cannot_ask_for_an_emergency_meeting_of_anothers_circle(
    client, circle, other_coordinator
):
    # Another coordinator's circle does not exist for them (404), not "not for your role".
    client.force_login(other_coordinator)
    assert client.get(reverse("circles:emergency_request", args=[circle.pk])).status_code == 404


def test_the_circles_own_coordinator_does_not_ask_for_an_emergency_meeting(client, circle):
    # They see the circle, so the page is refused (403): volunteers ask, coordinators arrange.
    client.force_login(circle.coordinator)
    assert client.get(reverse("circles:emergency_request", args=[circle.pk])).status_code == 403


# Triage ------------------------------------------------------------------------------------


def raise_concern(circle, volunteer, severity=Concern.Severity.AMBER):
    return services.concern_raise(
        circle=circle,
        acting_user=volunteer.user,
        category=Concern.Category.WELLBEING,
        severity=severity,
        description="Worried about him.",
    )


def test_closing_needs_a_reason_and_only_the_circles_coordinator_may(
    client, circle, members, coordinator, other_coordinator
):
    concern = raise_concern(circle, members[0])
    close = reverse("circles:concern_close", args=[circle.pk, concern.pk])
    client.force_login(other_coordinator)
    assert client.post(close, {"reason": "Not mine"}).status_code == 404
    client.force_login(members[0].user)
    assert client.post(close, {"reason": "Fine now"}).status_code == 403
    client.force_login(coordinator)
    response = client.post(close, {"reason": "   "})
    assert response.status_code == 200
    assert "reason" in response.context["close_form"].errors
    concern.refresh_from_db()
    assert concern.status == Concern.Status.RAISED
    response = client.post(close, {"reason": "Spoke to him; GP appointment booked."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CLOSED
    assert concern.closed_reason == "Spoke to him; GP appointment booked."
    assert concern.triaged_by == coordinator


def test_triage_then_share_goes_to_the_compose_page_with_the_concern(
    client, circle, members, coordinator
):
    concern = raise_concern(circle, members[0], Concern.Severity.RED)
    triage = reverse("circles:concern_triage", args=[circle.pk, concern.pk])
    client.force_login(coordinator)
    page = client.get(reverse("circles:concern_detail", args=[circle.pk, concern.pk]))
    assert triage in page.content.decode()
    response = client.post(triage, {"notes": "Called him.", "action": "share"})
    concern.refresh_from_db()
    assert concern.status == Concern.Status.TRIAGED
    assert concern.triage_notes == "Called him."
    assert response.status_code == 302
    assert response["Location"].endswith(f"?concern={concern.pk}")
    assert "/records/new/" in response["Location"]


def test_mark_triaged_without_sharing(client, circle, members, coordinator):
    concern = raise_concern(circle, members[0])
    client.force_login(coordinator)
    response = client.post(
        reverse("circles:concern_triage", args=[circle.pk, concern.pk]), {"action": "triage"}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.TRIAGED
    # Triaging twice is a message on the page, not a 500.
    again = client.post(reverse("circles:concern_triage", args=[circle.pk, concern.pk]))
    assert again.status_code == 200
    assert again.context["triage_form"].errors


def test_a_volunteer_sees_only_the_concerns_they_raised(client, circle, members):
    concern = raise_concern(circle, members[0])
    url = reverse("circles:concern_detail", args=[circle.pk, concern.pk])
    client.force_login(members[1].user)
    assert client.get(url).status_code == 404
    client.force_login(members[0].user)
    page = client.get(url).content.decode()
    assert "Worried about him." in page
    assert "Triage" not in page


def test_the_concern_page_links_its_meetings_minutes_only_once_there_are_some(
    client, circle, members, meeting, coordinator
):
    concern = ConcernFactory(circle=circle, meeting=meeting, raised_by=members[0].user)
    minutes = reverse("circles:note_detail", args=[circle.pk, meeting.pk])
    url = reverse("circles:concern_detail", args=[circle.pk, concern.pk])
    client.force_login(coordinator)
    page = client.get(url)
    assert page.context["minutes_exist"] is False
    assert minutes not in page.content.decode()
    MeetingNoteFactory(meeting=meeting, author=members[0].user)
    page = client.get(url)
    assert page.context["minutes_exist"] is True
    assert minutes in page.content.decode()
