"""Minutes from a phone: writing, editing, observations, review, contacts.

Negative paths first: outsiders 404, read-only 403, bad input leaves nothing written.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.tests.factories import VolunteerUserFactory
from circles import services
from circles.models import Meeting, MeetingNote, MeetingObservation
from circles.tests.factories import MeetingFactory, launchable_circle

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><b onmouseover=1>bold</b>'


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
def other_circle(other_coordinator):
    return launchable_circle(coordinator=other_coordinator)


def write_url(meeting):
    return reverse("circles:note_write", args=[meeting.circle_id, meeting.pk])


def detail_url(meeting):
    return reverse("circles:note_detail", args=[meeting.circle_id, meeting.pk])


def minutes_post(**overrides):
    data = {
        "attendance": "YES",
        "summary": "Talked about the allotment and his sister's visit.",
        "duration_minutes": "85",
        "risk_mood": "1",
        "risk_isolation": "2",
        "action": "submit",
    }
    data.update(overrides)
    return data


def note_by(meeting, volunteer, **fields):
    defaults = {"attendance": "YES", "summary": "A calm meeting.", "submit": True}
    defaults.update(fields)
    return services.note_save(meeting=meeting, acting_user=volunteer.user, **defaults)


# Refusals ----------------------------------------------------------------------------------


def test_it_hides_every_minutes_page_from_another_circles_volunteer(
    client, meeting, members, other_circle
):
    note_by(meeting, members[0])
    outsider = other_circle.memberships.first().volunteer.user
    client.force_login(outsider)
    circle_pk = meeting.circle_id
    pages = [
        ("get", write_url(meeting)),
        ("post", write_url(meeting)),
        ("get", detail_url(meeting)),
        ("post", reverse("circles:observation_add", args=[circle_pk, meeting.pk])),
        ("get", reverse("circles:contact_log", args=[circle_pk])),
        ("post", reverse("circles:contact_log", args=[circle_pk])),
        ("get", reverse("circles:emergency_request", args=[circle_pk])),
        ("get", reverse("circles:concern_raise", args=[circle_pk])),
        ("post", reverse("circles:concern_raise", args=[circle_pk])),
    ]
    for method, url in pages:
        response = getattr(client, method)(url, minutes_post() if method == "post" else None)
        assert response.status_code == 404, (method, url)
    # Their start page lists nothing of circle A (both factory circles share one name, so
    # circle A gets its own before the check).
    type(meeting.circle).objects.filter(pk=meeting.circle_id).update(name="Larkspur circle")
    body = client.get(reverse("circles:mine")).content.decode()
    assert other_circle.name in body
    assert "Larkspur circle" not in body
    assert write_url(meeting) not in body
    assert MeetingObservation.objects.count() == 0


def test_it_refuses_a_volunteer_editing_anothers_minutes(client, meeting, members):
    note = note_by(meeting, members[0], summary="Original words.")
    client.force_login(members[1].user)
    assert client.get(write_url(meeting)).status_code == 403
    # Posting over them changes nothing; the words come back to offer as an observation.
    response = client.post(write_url(meeting), minutes_post(summary="Rewritten."))
    assert response.status_code == 409
    assert "Rewritten." in response.content.decode()
    note.refresh_from_db()
    assert note.summary == "Original words."
    # The page offers no edit link to someone who is not the author.
    assert write_url(meeting) not in client.get(detail_url(meeting)).content.decode()


def test_it_refuses_edits_after_review(client, meeting, members, coordinator):
    note = note_by(meeting, members[0], summary="Reviewed words.")
    services.note_review(note=note, acting_user=coordinator, comment="Thanks.")
    client.force_login(members[0].user)
    assert client.get(write_url(meeting)).status_code == 403
    response = client.post(write_url(meeting), minutes_post(summary="Sneaky change."))
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.summary == "Reviewed words."
    assert note.history.count() == 2  # created, reviewed: history kept
    observe = reverse("circles:observation_add", args=[meeting.circle_id, meeting.pk])
    client.force_login(members[1].user)
    assert client.post(observe, {"text": "Late thought."}).status_code == 403
    assert not MeetingObservation.objects.exists()


def test_a_volunteer_who_left_cannot_write_or_submit(client, meeting, members):
    leaver = members[2]
    membership = meeting.circle.memberships.get(volunteer=leaver)
    services.membership_end(
        membership=membership,
        reason="Moved away",
        left_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    client.force_login(leaver.user)
    assert client.get(write_url(meeting)).status_code == 404
    assert client.post(write_url(meeting), minutes_post()).status_code == 404
    assert client.get(reverse("circles:contact_log", args=[meeting.circle_id])).status_code == 404
    # The service refuses too: they were not in the circle on the meeting's day.
    with pytest.raises(ValidationError, match="Only this circle's volunteers"):
        note_by(meeting, leaver)
    with pytest.raises(ValidationError, match="Only this circle's volunteers"):
        services.meeting_log_contact(
            circle=meeting.circle,
            kind=Meeting.Kind.PHONE,
            starts_at=timezone.now(),
            acting_user=leaver.user,
        )
    assert not MeetingNote.objects.exists()


def test_a_manager_reads_but_does_not_write_minutes(client, meeting, members, manager):
    note_by(meeting, members[0])
    client.force_login(manager)
    assert client.get(detail_url(meeting)).status_code == 200
    assert client.get(write_url(meeting)).status_code == 403


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"attendance": "NO", "absence_reason": ""}, "absence_reason"),
        ({"attendance": "MAYBE"}, "attendance"),
        ({"summary": "   "}, "summary"),
        ({"risk_mood": "7"}, "risk_mood"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"raise_concern": "on", "concern_description": ""}, "concern_category"),
        (
            {"concern_description": "He said something odd.", "concern_severity": ""},
            "concern_category",
        ),
    ],
)
def test_bad_minutes_show_a_form_error_and_write_nothing(
    client, meeting, members, overrides, field
):
    client.force_login(members[0].user)
    response = client.post(write_url(meeting), minutes_post(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not MeetingNote.objects.exists()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_a_present_volunteer_from_another_circle_is_refused(client, meeting, members, other_circle):
    stranger = other_circle.memberships.first().volunteer
    client.force_login(members[0].user)
    response = client.post(
        write_url(meeting), minutes_post(volunteers_present=[members[1].pk, stranger.pk])
    )
    assert response.status_code == 200
    assert "volunteers_present" in response.context["form"].errors
    assert not MeetingNote.objects.exists()


def test_minutes_cannot_be_written_before_the_meeting(client, circle, members):
    future = MeetingFactory(circle=circle, starts_at=timezone.now() + datetime.timedelta(days=2))
    client.force_login(members[0].user)
    response = client.post(write_url(future), minutes_post())
    assert response.status_code == 302
    assert not MeetingNote.objects.exists()


# Writing -----------------------------------------------------------------------------------


def test_a_volunteer_saves_a_draft_then_submits(client, meeting, members):
    client.force_login(members[0].user)
    page = client.get(write_url(meeting))
    assert page.status_code == 200
    assert b'name="risk_sexual_preoccupation"' in page.content
    response = client.post(
        write_url(meeting),
        minutes_post(action="draft", volunteers_present=[members[0].pk, members[1].pk]),
    )
    assert response.status_code == 302
    note = MeetingNote.objects.get()
    assert note.status == MeetingNote.Status.DRAFT
    assert note.author == members[0].user
    assert set(note.volunteers_present.all()) == {members[0], members[1]}
    assert (note.risk_mood, note.risk_isolation, note.risk_compliance) == (1, 2, None)
    # The draft is owed still; then submit it.
    mine = client.get(reverse("circles:mine"))
    assert write_url(meeting) in mine.content.decode()
    response = client.post(write_url(meeting), minutes_post(summary="Final words."))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == MeetingNote.Status.SUBMITTED
    assert note.submitted_at is not None
    assert note.summary == "Final words."
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    # Still editable by the author until reviewed, staying submitted.
    response = client.post(write_url(meeting), minutes_post(summary="A correction."))
    note.refresh_from_db()
    assert (note.status, note.summary) == (MeetingNote.Status.SUBMITTED, "A correction.")
    assert note.history.count() >= 3


def test_the_form_reading_existing_minutes_is_logged(client, meeting, members):
    note = note_by(meeting, members[0])
    client.force_login(members[0].user)
    client.get(write_url(meeting))
    assert AccessLog.objects.filter(
        user=members[0].user, object_type="circles.meetingnote", object_id=str(note.pk)
    ).exists()


def test_another_volunteer_adds_their_own_observation(client, meeting, members):
    note_by(meeting, members[0])
    client.force_login(members[1].user)
    observe = reverse("circles:observation_add", args=[meeting.circle_id, meeting.pk])
    response = client.post(observe, {"text": "   "})
    assert response.status_code == 200
    assert "text" in response.context["observation_form"].errors
    assert not MeetingObservation.objects.exists()
    response = client.post(observe, {"text": "He seemed brighter at the end."})
    assert response.status_code == 302
    observation = MeetingObservation.objects.get()
    assert observation.author == members[1].user


def test_text_typed_into_every_field_comes_back_escaped(client, meeting, members, coordinator):
    client.force_login(members[0].user)
    client.post(
        write_url(meeting),
        minutes_post(
            attendance="NO",
            absence_reason=XSS,
            summary=XSS,
            raise_concern="on",
            concern_category="OTHER",
            concern_severity="AMBER",
            concern_description=XSS,
        ),
    )
    note = MeetingNote.objects.get()
    client.force_login(members[1].user)
    client.post(
        reverse("circles:observation_add", args=[meeting.circle_id, meeting.pk]), {"text": XSS}
    )
    services.note_review(note=note, acting_user=coordinator, comment=XSS)
    concern = meeting.concerns.get()
    pages = [
        (members[0].user, detail_url(meeting)),
        (members[0].user, reverse("circles:mine")),
        (members[0].user, reverse("circles:concern_detail", args=[meeting.circle_id, concern.pk])),
        (coordinator, detail_url(meeting)),
        (coordinator, reverse("circles:concern_detail", args=[meeting.circle_id, concern.pk])),
        (coordinator, reverse("circles:dashboard")),
    ]
    for user, url in pages:
        client.force_login(user)
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "<b onmouseover" not in body, url
    body = client.get(detail_url(meeting)).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_minutes_submitted_after_48_hours_are_marked_late(client, circle, members, freeze_time):
    meeting = MeetingFactory(circle=circle, starts_at=timezone.now() - datetime.timedelta(days=5))
    on_time = MeetingFactory(circle=circle, starts_at=timezone.now() - datetime.timedelta(hours=26))
    late_note = note_by(meeting, members[0])
    note_by(on_time, members[0])
    late = services.notes_submitted_late(MeetingNote.objects.all())
    assert list(late) == [late_note]
    client.force_login(members[0].user)
    assert "submitted late" in client.get(detail_url(meeting)).content.decode()
    assert "submitted late" not in client.get(detail_url(on_time)).content.decode()


def test_late_boundary_is_end_of_meeting_plus_48_hours(circle, members, freeze_time):
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(days=10)
    meeting = MeetingFactory(circle=circle, starts_at=starts, duration_minutes=90)
    due = meeting.minutes_due_at
    freeze_time(due)
    note = note_by(meeting, members[0])
    assert not services.notes_submitted_late(MeetingNote.objects.filter(pk=note.pk)).exists()
    MeetingNote.objects.filter(pk=note.pk).update(submitted_at=due + datetime.timedelta(minutes=1))
    assert services.notes_submitted_late(MeetingNote.objects.filter(pk=note.pk)).exists()


# Review ------------------------------------------------------------------------------------


def test_the_coordinator_reviews_with_a_comment_the_volunteers_see(
    client, meeting, members, coordinator, other_coordinator
):
    note = note_by(meeting, members[0])
    review = reverse("circles:note_review", args=[meeting.circle_id, meeting.pk])
    client.force_login(other_coordinator)
    assert client.post(review, {"comment": "Mine now"}).status_code == 404
    client.force_login(members[1].user)
    assert client.post(review, {"comment": "Self-review"}).status_code == 403
    note.refresh_from_db()
    assert note.status == MeetingNote.Status.SUBMITTED
    client.force_login(coordinator)
    page = client.get(detail_url(meeting))
    assert review in page.content.decode()
    response = client.post(review, {"comment": "Good notes; well handled."})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == MeetingNote.Status.REVIEWED
    assert note.reviewed_by == coordinator
    # Reviewing twice is refused with a message, not a 500.
    again = client.post(review, {"comment": "Again"})
    assert again.status_code == 200
    assert again.context["review_form"].errors
    client.force_login(members[0].user)
    mine = client.get(reverse("circles:mine")).content.decode()
    assert "Good notes; well handled." in mine
    assert "Reviewed" in mine


# Contacts ----------------------------------------------------------------------------------


def test_a_volunteer_logs_a_phone_contact_then_writes_it_up(client, circle, members):
    client.force_login(members[0].user)
    url = reverse("circles:contact_log", args=[circle.pk])
    now = timezone.localtime()
    future = now + datetime.timedelta(hours=3)
    response = client.post(
        url,
        {
            "kind": "PHONE",
            "date": future.date().isoformat(),
            "time": future.strftime("%H:%M"),
            "duration_minutes": "15",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Meeting.objects.filter(kind=Meeting.Kind.PHONE).exists()
    earlier = now - datetime.timedelta(hours=1)
    response = client.post(
        url,
        {
            "kind": "PHONE",
            "date": earlier.date().isoformat(),
            "time": earlier.strftime("%H:%M"),
            "duration_minutes": "15",
        },
    )
    contact = Meeting.objects.get(kind=Meeting.Kind.PHONE)
    assert response.status_code == 302
    assert response["Location"] == write_url(contact)
    assert contact.status == Meeting.Status.HELD
    assert contact.requested_by == members[0].user
    # It is owed by the one who logged it, not by the other volunteers.
    assert write_url(contact) in client.get(reverse("circles:mine")).content.decode()
    client.force_login(members[1].user)
    assert write_url(contact) not in client.get(reverse("circles:mine")).content.decode()


def test_a_volunteer_cannot_reach_anothers_meeting_through_their_own_circle(
    client, circle, members, other_circle
):
    foreign = MeetingFactory(circle=other_circle)
    client.force_login(members[0].user)
    url = reverse("circles:note_write", args=[circle.pk, foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, minutes_post()).status_code == 404
    assert not MeetingNote.objects.exists()


def test_a_non_member_volunteer_account_sees_nothing(client, meeting):
    client.force_login(VolunteerUserFactory())
    assert client.get(write_url(meeting)).status_code == 404
    response = client.get(reverse("circles:mine"))
    assert response.status_code == 200
    assert meeting.circle.name not in response.content.decode()


def test_a_contact_time_is_read_as_uk_time_across_the_clock_change(members, freeze_time):
    from circles.forms.minutes import ContactForm

    freeze_time(datetime.datetime(2026, 10, 26, 12, 0))
    for day, local, utc_hour in (("2026-10-24", "19:30", 18), ("2026-10-25", "19:30", 19)):
        form = ContactForm({"kind": "PHONE", "date": day, "time": local, "duration_minutes": "20"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["starts_at"].astimezone(datetime.UTC).hour == utc_hour


def test_the_new_minutes_form_ticks_the_writer_as_present(client, meeting, members):
    client.force_login(members[1].user)
    form = client.get(write_url(meeting)).context["form"]
    assert list(form.initial["volunteers_present"]) == [members[1].pk]
