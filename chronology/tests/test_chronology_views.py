"""A Core Member's chronology: who may open it, what each role reads there (a planted
string in every kind), its filters, and its fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from chronology.tests.chronology_support import (
    LIAISON_SEES,
    PLANTED,
    STAFF_ONLY,
    VOLUNTEER_SEES,
    plant,
)
from circles import services as circle_services
from circles.models import Meeting, MeetingNote
from cosa.tests.world import LEAK_MARKERS


@pytest.fixture
def planted(world):
    return plant(world)


def _url(core_member):
    return reverse("chronology:chronology", args=[core_member.pk])


def _get(client, user, core_member, params=None):
    client.force_login(user)
    return client.get(_url(core_member), params or {})


# Who may open it: outsiders first ----------------------------------------------------


@pytest.mark.parametrize(
    "actor",
    ["other_coordinator", "volunteer_other_circle", "volunteer_left", "liaison_unassigned"],
)
def test_an_outsider_of_each_kind_gets_404(client, world, actor):
    response = _get(client, world.users[actor], world.objects["core_member"])
    assert response.status_code == 404
    assert not AccessLog.objects.filter(detail="chronology").exists()


@pytest.mark.parametrize(
    "actor", ["owner", "volunteer_in_circle", "liaison_assigned", "other_coordinator"]
)
def test_another_core_members_chronology_is_404_to_circle_as_actors(client, world, actor):
    if actor == "other_coordinator":
        actor = "owner"
    response = _get(client, world.users[actor], world.objects["other_core_member"])
    assert response.status_code == 404


def test_a_deactivated_user_is_sent_to_log_in(client, world):
    response = _get(client, world.users["deactivated"], world.objects["core_member"])
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_post_is_refused(client, world):
    client.force_login(world.users["owner"])
    assert client.post(_url(world.objects["core_member"])).status_code == 405


@pytest.mark.parametrize("actor", ["manager", "owner", "volunteer_in_circle", "liaison_assigned"])
def test_reading_it_is_logged_as_a_read_of_the_core_member(client, world, actor):
    core_member = world.objects["core_member"]
    assert _get(client, world.users[actor], core_member).status_code == 200
    log = AccessLog.objects.get(detail="chronology")
    assert log.user == world.users[actor]
    assert log.action == AccessLog.Action.VIEW
    assert log.core_member_id == core_member.pk


def test_the_core_member_and_circle_pages_link_to_it(client, world):
    core_member, circle = world.objects["core_member"], world.objects["circle"]
    link = _url(core_member)
    for actor, page in (
        ("owner", reverse("core_members:detail", args=[core_member.pk])),
        ("liaison_assigned", reverse("core_members:detail", args=[core_member.pk])),
        ("volunteer_in_circle", reverse("circles:detail", args=[circle.pk])),
    ):
        client.force_login(world.users[actor])
        assert link in client.get(page).content.decode(), actor


# What each role reads -----------------------------------------------------------------


def _body(client, world, actor):
    response = _get(client, world.users[actor], world.objects["core_member"])
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("actor", ["owner", "manager"])
def test_staff_read_every_kind(client, planted, actor):
    body = _body(client, planted, actor)
    missing = [name for name, text in PLANTED.items() if text not in body]
    assert missing == []
    assert "Circle launched" in body
    assert "Stepped down" not in body  # nothing stepped down


def test_a_volunteer_reads_the_briefing_and_meetings_only(client, planted):
    body = _body(client, planted, "volunteer_in_circle")
    assert [name for name in VOLUNTEER_SEES if PLANTED[name] not in body] == []
    leaked = [name for name in (*STAFF_ONLY, *LIAISON_SEES) if PLANTED[name] in body]
    assert leaked == []
    assert "Group meeting: attended late" in body
    # Known by his first name, as on the circle page: no reference, no surname.
    core_member = planted.objects["core_member"]
    assert core_member.reference not in body and core_member.last_name not in body


def test_the_assigned_liaison_reads_what_was_shared_status_and_attendance_only(client, planted):
    body = _body(client, planted, "liaison_assigned")
    assert [name for name in LIAISON_SEES if PLANTED[name] not in body] == []
    hidden = [*STAFF_ONLY, *VOLUNTEER_SEES]
    hidden.remove("record_not_to_liaison")  # checked below by its own string
    leaked = [name for name in (*hidden, "record_not_to_liaison") if PLANTED[name] in body]
    assert leaked == []
    # The minutes' attendance and the meeting's date, no minutes, no names, no links.
    assert "Group meeting: attended late" in body
    assert "Group meeting: attended" in body
    assert "Circle launched" in body
    assert "Ivy" not in body and "Inside" not in body
    assert "/notes/" not in body
    assert reverse("circles:detail", args=[planted.objects["circle"].pk]) not in body


@pytest.mark.parametrize("actor", ["manager", "owner", "volunteer_in_circle", "liaison_assigned"])
def test_nothing_of_the_other_circle_shows(client, planted, actor):
    body = _body(client, planted, actor)
    assert [marker for marker in LEAK_MARKERS if marker in body] == []


def test_a_covering_deputy_reads_the_circle_but_not_the_core_members_record(client, planted):
    from circles import cover

    owner, deputy = planted.users["owner"], planted.users["other_coordinator"]
    today = timezone.localdate()
    cover.cover_create(
        coordinator=owner, deputy=deputy, starts_on=today, ends_on=today, acting_user=owner
    )
    body = _body(client, planted, "other_coordinator")
    assert PLANTED["concern"] in body and PLANTED["minutes"] in body
    assert PLANTED["referral"] not in body and PLANTED["outcome"] not in body


# Filters ---------------------------------------------------------------------------------


def test_it_filters_by_kind(client, planted):
    response = _get(
        client, planted.users["owner"], planted.objects["core_member"], {"kinds": ["concern"]}
    )
    body = response.content.decode()
    assert PLANTED["concern"] in body and PLANTED["triage"] in body
    assert PLANTED["minutes"] not in body and PLANTED["referral"] not in body


def test_it_filters_by_dates(client, planted):
    today = timezone.localdate()
    params = {
        "date_from": (today - datetime.timedelta(days=6)).isoformat(),
        "date_to": (today - datetime.timedelta(days=4)).isoformat(),
    }
    body = _get(client, planted.users["owner"], planted.objects["core_member"], params)
    body = body.content.decode()
    assert PLANTED["minutes"] in body  # five days ago
    assert "A quiet week" not in body  # nine days ago
    assert PLANTED["review"] not in body  # three days ago


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-02-30"}, "Enter a real date"),
        ({"date_to": "yesterday"}, "Enter a real date"),
        ({"date_to": "9999-12-31"}, "Enter a date between 1900 and 2100"),
        ({"date_from": "0001-01-01"}, "Enter a date between 1900 and 2100"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "on or after the start date"),
        ({"kinds": ["nonsense"]}, "Choose from the kinds listed"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_500(client, planted, params, message):
    response = _get(client, planted.users["owner"], planted.objects["core_member"], params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert PLANTED["minutes"] not in body  # no partial timeline under the error
    assert not AccessLog.objects.filter(detail="chronology").exists()


# Queries and the meeting cap -------------------------------------------------------------


def _meetings(world, count):
    """``count`` weekly held meetings with submitted minutes, from ten days ago back
    (written directly: the services refuse minutes from before the volunteer joined)."""
    circle, volunteer = world.objects["circle"], world.objects["volunteer"]
    now = timezone.now()
    meetings = Meeting.objects.bulk_create(
        Meeting(
            circle=circle,
            starts_at=now - datetime.timedelta(days=10 + 7 * week),
            status=Meeting.Status.HELD,
        )
        for week in range(count)
    )
    notes = MeetingNote.objects.bulk_create(
        MeetingNote(
            meeting=meeting,
            circle=circle,
            author=volunteer.user,
            attendance=MeetingNote.Attendance.YES,
            summary=f"Meeting {week}.",
            risk_mood=week % 3,
            status=MeetingNote.Status.SUBMITTED,
            submitted_at=now,
        )
        for week, meeting in enumerate(meetings)
    )
    MeetingNote.volunteers_present.through.objects.bulk_create(
        MeetingNote.volunteers_present.through(meetingnote_id=note.pk, volunteer_id=volunteer.pk)
        for note in notes
    )


# Session, user, device, the request's savepoint and its release, the Core Member, the
# access log's row (7), then each app's kinds in one query (UNION ALL) where it can:
# the Core Member's record (referrals, risk assessments, MAPPA, agreements); circles
# with their covenants, frequency steps, concerns, reviews and the volunteers present
# at the meetings shown, then the meetings; records and acknowledgements; outcomes and
# follow-up checks.
STAFF_QUERIES = 15  # + documents, lone-working check-ins and their alerts
# circles with covenants, frequency steps and volunteers present; meetings; documents
VOLUNTEER_QUERIES = 10
LIAISON_QUERIES = 10  # circles, meetings; records and acknowledgements


@pytest.mark.parametrize(
    ("actor", "queries"),
    [
        ("owner", STAFF_QUERIES),
        ("manager", STAFF_QUERIES),
        ("volunteer_in_circle", VOLUNTEER_QUERIES),
        ("liaison_assigned", LIAISON_QUERIES),
    ],
)
@pytest.mark.parametrize("meetings", [2, 20])
def test_its_queries_do_not_grow_with_the_meetings(
    client, planted, django_assert_num_queries, actor, queries, meetings
):
    _meetings(planted, meetings)
    client.force_login(planted.users[actor])
    url = _url(planted.objects["core_member"])
    client.get(url)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Group meeting") >= meetings


def test_five_years_of_weekly_meetings_show_the_latest_hundred_and_say_so(client, world):
    _meetings(world, 105)
    response = _get(client, world.users["owner"], world.objects["core_member"])
    body = response.content.decode()
    assert "Only the latest 100 meetings are shown" in body
    # The world's own meeting and the latest 99 of these.
    assert "Meeting 98." in body and "Meeting 99." not in body
    assert "Show the meetings before these" in body
    earlier = response.context["earlier_query"]
    assert "date_to=" in earlier
    older = client.get(_url(world.objects["core_member"]) + "?" + earlier).content.decode()
    assert "Meeting 104." in older


def test_stepping_down_and_the_end_show_to_each_as_their_role_allows(client, world):
    from circles.models import FrequencyChange

    circle, owner = world.objects["circle"], world.users["owner"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    review = circle.milestones.order_by("due_on").first()
    circle_services.circle_step_down(circle=circle, acting_user=owner, on=yesterday)
    FrequencyChange.objects.create(
        circle=circle, frequency="FORTNIGHTLY", from_date=yesterday, review=review
    )
    body = _body(client, world, "owner")
    assert "Circle stepping down: Tuesday circle" in body
    assert "Stepped down: meets fortnightly" in body
    liaison = _body(client, world, "liaison_assigned")
    assert "Circle stepping down<" in liaison and "fortnightly" not in liaison
    circle_services.circle_end(
        circle=circle, reason="COMPLETED", outcome_notes="ENDNOTE-PLANT", acting_user=owner
    )
    body = _body(client, world, "owner")
    assert "Circle ended: Tuesday circle (completed)" in body and "ENDNOTE-PLANT" in body
    liaison = _body(client, world, "liaison_assigned")
    assert "Circle ended<" in liaison
    assert "completed" not in liaison and "ENDNOTE-PLANT" not in liaison
    # The circle's volunteers left it when it ended: it is no longer theirs to read.
    response = _get(client, world.users["volunteer_in_circle"], world.objects["core_member"])
    assert response.status_code == 404
