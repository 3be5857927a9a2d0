"""Nothing typed is lost, nothing is saved twice: the minutes and concern pages over HTTP."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from circles import services
from circles.models import Concern, MeetingNote
from circles.tests.factories import MeetingFactory, launchable_circle
from formpages.models import Draft

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="_once" value="([0-9a-f]{32})"')
TEXT = "Del talked about Saturday's party at length (fictional)."


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
def outsider(db):
    other = launchable_circle()
    return other.memberships.select_related("volunteer__user").first().volunteer.user


def token_of(response):
    found = TOKEN.search(response.content.decode())
    assert found, "the form carries no one-time token"
    return found.group(1)


def minutes_url(meeting):
    return reverse("circles:note_write", args=[meeting.circle_id, meeting.pk])


def autosave(client, url, **data):
    return client.post(url, data, HTTP_X_COSA_DRAFT="save")


# Drafts --------------------------------------------------------------------------------


def test_an_outsider_cannot_autosave_into_a_circle_they_are_not_in(client, meeting, outsider):
    client.force_login(outsider)
    response = autosave(client, minutes_url(meeting), summary=TEXT)
    assert response.status_code == 404
    assert not Draft.objects.exists()


def test_autosave_keeps_the_text_and_writes_no_minutes(client, meeting, members):
    client.force_login(members[0].user)
    response = autosave(client, minutes_url(meeting), summary=TEXT, attendance="YES")
    assert response.status_code == 204
    assert not MeetingNote.objects.exists()
    draft = Draft.objects.get()
    assert draft.data["summary"] == TEXT
    assert (draft.author, draft.circle_ref, draft.core_member_ref) == (
        members[0].user,
        meeting.circle_id,
        meeting.circle.core_member_id,
    )


def test_the_draft_comes_back_to_its_author_only(client, meeting, members):
    client.force_login(members[0].user)
    autosave(client, minutes_url(meeting), summary=TEXT)
    page = client.get(minutes_url(meeting)).content.decode()
    assert TEXT.replace("'", "&#x27;") in page
    assert "kept what you were typing" in page
    client.force_login(members[1].user)
    page = client.get(minutes_url(meeting)).content.decode()
    assert "Saturday" not in page
    assert "kept what you were typing" not in page


def test_the_long_form_is_marked_for_autosave(client, meeting, members):
    client.force_login(members[0].user)
    page = client.get(minutes_url(meeting)).content.decode()
    assert 'data-draft="on"' in page
    assert "js/forms.js" in page


def test_submitting_deletes_the_draft(client, meeting, members):
    client.force_login(members[0].user)
    autosave(client, minutes_url(meeting), summary=TEXT)
    page = client.get(minutes_url(meeting))
    response = client.post(
        minutes_url(meeting),
        {"attendance": "YES", "summary": TEXT, "action": "submit", "_once": token_of(page)},
    )
    assert response.status_code == 302
    assert MeetingNote.objects.get().summary == TEXT
    assert not Draft.objects.exists()


def test_discarding_the_draft_empties_the_form(client, meeting, members):
    client.force_login(members[0].user)
    autosave(client, minutes_url(meeting), summary=TEXT)
    response = client.post(minutes_url(meeting), {"_draft": "discard"})
    assert response.status_code == 302
    assert not Draft.objects.exists()
    assert "Saturday" not in client.get(minutes_url(meeting)).content.decode()


def test_leaving_the_circle_purges_the_volunteers_drafts(client, meeting, members, coordinator):
    client.force_login(members[0].user)
    autosave(client, minutes_url(meeting), summary=TEXT)
    client.force_login(members[1].user)
    autosave(client, minutes_url(meeting), summary="Another volunteer's notes")
    membership = meeting.circle.memberships.get(volunteer=members[0])
    services.membership_end(membership=membership, acting_user=coordinator, reason="Moved away")
    assert list(Draft.objects.values_list("author", flat=True)) == [members[1].user.pk]


def test_handing_the_case_over_purges_the_old_coordinators_drafts(
    client, meeting, coordinator, other_coordinator, manager
):
    concern_url = reverse("circles:concern_raise", args=[meeting.circle_id])
    client.force_login(coordinator)
    assert autosave(client, concern_url, concern_description=TEXT).status_code == 204
    services.coordinator_handover(
        core_member=meeting.circle.core_member, coordinator=other_coordinator, acting_user=manager
    )
    assert not Draft.objects.exists()


# One-time tokens -------------------------------------------------------------------------


def concern_form(**overrides):
    data = {
        "concern_category": Concern.Category.WELLBEING,
        "concern_severity": Concern.Severity.AMBER,
        "concern_description": TEXT,
    }
    data.update(overrides)
    return data


def test_the_same_concern_form_posted_three_times_makes_one_concern(client, circle, members):
    client.force_login(members[0].user)
    url = reverse("circles:concern_raise", args=[circle.pk])
    token = token_of(client.get(url))
    first = client.post(url, concern_form(_once=token))
    repeats = [client.post(url, concern_form(_once=token)) for _ in range(2)]
    assert Concern.objects.count() == 1
    assert first.status_code == 302
    assert [r["Location"] for r in repeats] == [first["Location"]] * 2
    followed = client.get(repeats[0]["Location"])
    assert followed.status_code == 200


def test_minutes_with_a_concern_posted_twice_make_one_of_each(client, meeting, members):
    client.force_login(members[0].user)
    token = token_of(client.get(minutes_url(meeting)))
    data = {
        "attendance": "YES",
        "summary": TEXT,
        "action": "submit",
        "raise_concern": "on",
        **concern_form(),
        "_once": token,
    }
    first = client.post(minutes_url(meeting), data)
    second = client.post(minutes_url(meeting), data)
    assert (MeetingNote.objects.count(), Concern.objects.count()) == (1, 1)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


def test_a_form_error_leaves_the_token_for_the_corrected_post(client, circle, members):
    client.force_login(members[0].user)
    url = reverse("circles:concern_raise", args=[circle.pk])
    token = token_of(client.get(url))
    refused = client.post(url, concern_form(concern_description="", _once=token))
    assert refused.status_code == 200
    assert Concern.objects.count() == 0
    assert client.post(url, concern_form(_once=token)).status_code == 302
    assert Concern.objects.count() == 1


def test_another_users_token_does_not_reveal_where_theirs_led(client, circle, members):
    url = reverse("circles:concern_raise", args=[circle.pk])
    client.force_login(members[0].user)
    token = token_of(client.get(url))
    client.post(url, concern_form(_once=token))
    client.force_login(members[1].user)
    theirs = client.post(url, concern_form(_once=token, concern_description="Second person"))
    # Not told where the first went, and not silently dropped: their concern is saved.
    assert theirs.status_code == 302
    second = Concern.objects.get(raised_by=members[1].user)
    assert theirs["Location"] == reverse("circles:concern_detail", args=[circle.pk, second.pk])
    assert Concern.objects.count() == 2


def test_an_overflowing_version_is_a_conflict_or_a_form_error_never_a_500(client, meeting, members):
    author = members[0].user
    client.force_login(author)
    services.note_save(meeting=meeting, acting_user=author, attendance="YES", summary="Start.")
    for version in ("9223372036854775807", "2147483647", "99999999999999999999"):
        response = client.post(
            minutes_url(meeting),
            {"attendance": "YES", "action": "draft", "summary": "Mine.", "version": version},
        )
        assert response.status_code in (200, 409), version
    assert MeetingNote.objects.get().summary == "Start."


def test_a_nul_in_an_autosave_is_dropped_not_stored(client, circle, members):
    client.force_login(members[0].user)
    url = reverse("circles:concern_raise", args=[circle.pk])
    assert autosave(client, url, concern_description="be\x00fore").status_code == 204
    assert Draft.objects.get().data["concern_description"] == "before"


# Two tabs: a stale edit is refused, never lost ------------------------------------------

VERSION = re.compile(r'name="version" value="(\d+)"')


def version_of(response):
    found = VERSION.search(response.content.decode())
    assert found, "the edit form carries no version"
    return found.group(1)


def test_minutes_saved_in_two_tabs_keep_both_texts(client, meeting, members):
    author = members[0].user
    client.force_login(author)
    services.note_save(meeting=meeting, acting_user=author, attendance="YES", summary="Start.")
    tab_a, tab_b = client.get(minutes_url(meeting)), client.get(minutes_url(meeting))
    base = {"attendance": "YES", "action": "draft"}
    saved = client.post(
        minutes_url(meeting),
        {
            **base,
            "summary": "Tab A's summary.",
            "version": version_of(tab_a),
            "_once": token_of(tab_a),
        },
    )
    assert saved.status_code == 302
    stale = client.post(
        minutes_url(meeting),
        {
            **base,
            "summary": "Tab B's summary.",
            "version": version_of(tab_b),
            "_once": token_of(tab_b),
        },
    )
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Tab A&#x27;s summary." in page  # what was saved, beside
    assert "Tab B&#x27;s summary." in page  # what they typed, still in the form
    assert "Someone else saved this while you were editing" in page
    assert MeetingNote.objects.get().summary == "Tab A's summary."
    # Merged and saved again from the conflict page (it carries the new version).
    merged = client.post(
        minutes_url(meeting),
        {
            **base,
            "summary": "Tab A's summary. Tab B's summary.",
            "version": version_of(stale),
            "_once": token_of(stale),
        },
    )
    assert merged.status_code == 302
    assert MeetingNote.objects.get().summary == "Tab A's summary. Tab B's summary."


def test_a_service_called_without_a_version_still_saves(meeting, members):
    author = members[0].user
    services.note_save(meeting=meeting, acting_user=author, attendance="YES", summary="One.")
    note = services.note_save(meeting=meeting, acting_user=author, summary="Two.")
    assert (note.summary, MeetingNote.objects.get().version) == ("Two.", 2)


def test_the_covenant_agreed_in_two_tabs_is_refused_the_second_time(client, circle, coordinator):
    url = reverse("circles:covenant", args=[circle.pk])
    client.force_login(coordinator)
    tab_a, tab_b = client.get(url), client.get(url)
    data = {"frequency": circle.frequency, "agreed_on": timezone.localdate().isoformat()}
    first = client.post(
        url,
        {
            **data,
            "goals": "Goals from tab A",
            "version": version_of(tab_a),
            "_once": token_of(tab_a),
        },
    )
    assert first.status_code == 302
    second = client.post(
        url,
        {
            **data,
            "goals": "Goals from tab B",
            "version": version_of(tab_b),
            "_once": token_of(tab_b),
        },
    )
    assert second.status_code == 409
    assert "Goals from tab A" in second.content.decode()
    assert "Goals from tab B" in second.content.decode()
    assert circle.covenants.order_by("-version").first().goals == "Goals from tab A"


def test_the_meeting_pattern_saved_in_two_tabs_is_refused_the_second_time(
    client, circle, coordinator
):
    url = reverse("circles:pattern", args=[circle.pk])
    client.force_login(coordinator)
    tab_a, tab_b = client.get(url), client.get(url)
    data = {
        "weekday": circle.weekday,
        "meeting_time": circle.meeting_time.strftime("%H:%M"),
        "frequency": circle.frequency,
        "duration_minutes": circle.duration_minutes,
    }
    first = client.post(
        url,
        {
            **data,
            "venue": "Library, room 2",
            "version": version_of(tab_a),
            "_once": token_of(tab_a),
        },
    )
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(
        url,
        {**data, "venue": "Church hall", "version": version_of(tab_b), "_once": token_of(tab_b)},
    )
    assert second.status_code == 409
    circle.refresh_from_db()
    assert circle.venue == "Library, room 2"


# Losing the race for the minutes ---------------------------------------------------------


def test_the_volunteer_who_loses_the_race_keeps_their_text_and_adds_it(client, meeting, members):
    winner, loser = members[0].user, members[1].user
    client.force_login(loser)
    form = client.get(minutes_url(meeting))
    services.note_save(meeting=meeting, acting_user=winner, attendance="YES", summary="Winner.")
    lost = client.post(
        minutes_url(meeting),
        {
            "attendance": "YES",
            "summary": "The loser's careful account.",
            "action": "submit",
            "raise_concern": "on",
            **concern_form(concern_description="He mentioned the school run."),
            "_once": token_of(form),
        },
    )
    assert lost.status_code == 409
    page = lost.content.decode()
    assert "wrote these minutes first" in page
    assert "The loser&#x27;s careful account." in page
    assert "He mentioned the school run." in page
    observe = reverse("circles:observation_add", args=[meeting.circle_id, meeting.pk])
    assert f'action="{observe}"' in page
    added = client.post(observe, {"text": "The loser's careful account.", "_once": token_of(lost)})
    assert added.status_code == 302
    note = MeetingNote.objects.get()
    assert (note.summary, [o.text for o in note.observations.all()]) == (
        "Winner.",
        ["The loser's careful account."],
    )
    assert not Concern.objects.exists()
    raised = client.post(
        reverse("circles:concern_raise", args=[meeting.circle_id]),
        concern_form(concern_description="He mentioned the school run."),
    )
    assert raised.status_code == 302
    assert Concern.objects.get().raised_by == loser


def test_a_plain_get_of_someone_elses_minutes_form_is_still_refused(client, meeting, members):
    services.note_save(meeting=meeting, acting_user=members[0].user, attendance="YES", summary="W")
    client.force_login(members[1].user)
    assert client.get(minutes_url(meeting)).status_code == 403
