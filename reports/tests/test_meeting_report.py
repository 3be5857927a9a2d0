"""The MAPPA meeting preparation report and the offender manager update (HTML page)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from circles import services as circle_services
from circles.models import Meeting
from reports import services
from reports.meeting_report import Redactor, pseudonym
from reports.models import MeetingReportKind, MeetingReportSummary
from reports.queries import Period
from reports.tests.meeting_report_support import add_rated_meetings, assert_no_volunteer_name


def _url(name, core_member, slug="mappa", **query):
    url = reverse(f"reports:{name}", args=[core_member.pk, slug])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# Who is refused: (actor, status). The liaison sees who he is (identity), not his report.
OUTSIDERS = [
    ("other_coordinator", 404),
    ("volunteer_in_circle", 404),
    ("volunteer_other_circle", 404),
    ("liaison_unassigned", 404),
    ("liaison_assigned", 403),
]


def test_only_his_coordinator_and_managers_generate_it(client, world):
    core_member = world.objects["core_member"]
    for actor, status in OUTSIDERS:
        for name in ("meeting_report", "meeting_report_pdf", "meeting_report_docx"):
            for slug in ("mappa", "om-update"):
                response = _get(client, world.users[actor], _url(name, core_member, slug))
                assert response.status_code == status, (actor, name, slug)
                assert core_member.reference.encode() not in response.content
        for name in ("meeting_report_summary", "meeting_report_share"):
            response = _get(client, world.users[actor], _url(name, core_member))
            assert response.status_code == status, (actor, name)
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_an_unknown_report_or_core_member_is_404(client, world):
    manager = world.users["manager"]
    core_member = world.objects["core_member"]
    assert _get(client, manager, _url("meeting_report", core_member, "nope")).status_code == 404
    url = reverse("reports:meeting_report", args=[999999, "mappa"])
    assert _get(client, manager, url).status_code == 404


def test_a_bad_period_is_a_clear_error_not_a_report(client, world):
    owner = world.users["owner"]
    core_member = world.objects["core_member"]
    today = timezone.localdate()
    cases = [
        ({"date_from": today, "date_to": today - datetime.timedelta(days=1)}, "must not be before"),
        ({"date_from": today, "date_to": today + datetime.timedelta(days=1)}, "in the future"),
        ({"date_from": today - datetime.timedelta(days=900), "date_to": today}, "two years"),
        ({"date_from": "yesterday", "date_to": today}, "Enter a valid date"),
    ]
    for query, message in cases:
        response = _get(client, owner, _url("meeting_report", core_member, **query))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert response.context["report"] is None
        pdf = client.get(_url("meeting_report_pdf", core_member, **query))
        assert pdf.status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_the_coordinator_gets_attendance_risk_concerns_covenant_and_next_review(client, world):
    owner = world.users["owner"]
    circle = world.objects["circle"]
    core_member = world.objects["core_member"]
    add_rated_meetings(circle, world.users["volunteer_in_circle"], [0, 1, 3, 2])
    Meeting.objects.create(
        circle=circle,
        starts_at=timezone.now() - datetime.timedelta(days=10),
        status=Meeting.Status.MISSED,
    )
    response = _get(client, owner, _url("meeting_report", core_member))
    assert response.status_code == 200
    report = response.context["report"]
    # Four rated meetings and the world's one, all held; one missed.
    assert report["attendance"]["held"] == 5
    assert report["attendance"]["attended"] == 5
    assert report["attendance"]["late"] == 2
    assert report["attendance"]["missed"] == 1
    mood = report["risk"]["indicators"][0]
    assert (mood["label"], mood["first"], mood["last"], mood["highest"]) == ("Low mood", 0, 1, 3)
    assert mood["movement"] == "up 1" and mood["rises"] >= 1
    assert report["concerns"][0]["severity"] == "Red"
    assert report["concerns"][0]["shared_summary"] == "Visit near a school"
    assert report["records"][0]["recipients"] == 2
    assert report["covenant"]["goals"] == ["Build a routine; keep to licence conditions."]
    assert report["next_review"]["kind"] == "3-month review"
    html = response.content.decode()
    assert html.count("OFFICIAL-SENSITIVE") >= 2
    assert "<svg" in html and "<polyline" in html  # the chart, drawn on the server
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    assert "Volunteer A" in html
    assert_no_volunteer_name(html)
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.core_member_id) == (owner, core_member.pk)
    assert "MAPPA meeting preparation report" in log.detail


def test_volunteers_are_lettered_in_the_order_they_joined_and_never_named(world):
    circle = world.objects["circle"]
    owner = world.users["owner"]
    core_member = world.objects["core_member"]
    concern = world.objects["concern"]
    concern.description = "Ivy Inside and IDA saw him; Iris Third agreed with ida."
    concern.save(update_fields=["description"])
    period = Period(timezone.localdate() - datetime.timedelta(days=90), timezone.localdate())
    services.meeting_summary_save(
        core_member=core_member,
        kind=MeetingReportKind.MAPPA,
        period=period,
        text="Lena Leaver left; Ivy now leads.",
        acting_user=owner,
    )
    from reports.meeting_report import as_text, build

    report = build(core_member, period, MeetingReportKind.MAPPA)
    names = [v["name"] for v in report["volunteers"]]
    assert names == ["Volunteer A", "Volunteer B", "Volunteer C", "Volunteer D"]
    assert report["concerns"][0]["description"] == (
        "Volunteer A and Volunteer B saw him; Volunteer C agreed with Volunteer B."
    )
    assert report["summary"] == "Volunteer D left; Volunteer A now leads."
    assert_no_volunteer_name(as_text(report))
    assert_no_volunteer_name(repr(report))
    # The same letters every time.
    assert [v["name"] for v in build(core_member, period, "mappa")["volunteers"]] == names
    assert circle.memberships.count() == 4


def test_pseudonyms_go_past_z():
    assert [pseudonym(i) for i in (0, 25, 26, 27)] == [
        "Volunteer A",
        "Volunteer Z",
        "Volunteer AA",
        "Volunteer AB",
    ]
    assert Redactor([])("Nothing to change") == "Nothing to change"


def test_the_summary_is_written_by_the_coordinator_and_a_stale_edit_is_refused(client, world):
    owner = world.users["owner"]
    core_member = world.objects["core_member"]
    today = timezone.localdate()
    start = today - datetime.timedelta(days=30)
    client.force_login(owner)
    page = client.get(_url("meeting_report_summary", core_member, date_from=start, date_to=today))
    assert page.status_code == 200
    data = {"date_from": start, "date_to": today, "text": "Settled month.", "version": 0}
    response = client.post(_url("meeting_report_summary", core_member), data)
    assert response.status_code == 302
    summary = MeetingReportSummary.objects.get()
    assert (summary.text, summary.written_by, summary.version) == ("Settled month.", owner, 1)
    # Another save from the page opened at version 0 is refused, not written over.
    stale = client.post(_url("meeting_report_summary", core_member), {**data, "text": "Other."})
    assert stale.status_code == 409
    summary.refresh_from_db()
    assert summary.text == "Settled month."
    again = client.post(
        _url("meeting_report_summary", core_member), {**data, "text": "Calmer.", "version": 1}
    )
    assert again.status_code == 302
    summary.refresh_from_db()
    assert (summary.text, summary.version) == ("Calmer.", 2)
    report = client.get(_url("meeting_report", core_member, date_from=start, date_to=today))
    assert "Calmer." in report.content.decode()
    # Another period has a summary of its own.
    other = client.get(_url("meeting_report", core_member))
    assert "Calmer." not in other.content.decode()


def test_a_summary_too_long_is_refused_and_nothing_is_written(client, world):
    owner = world.users["owner"]
    core_member = world.objects["core_member"]
    today = timezone.localdate()
    client.force_login(owner)
    response = client.post(
        _url("meeting_report_summary", core_member),
        {"date_from": today, "date_to": today, "text": "x" * 5000, "version": 0},
    )
    assert response.status_code == 200
    assert "4000 characters" in response.content.decode()
    assert not MeetingReportSummary.objects.exists()


def test_a_manager_may_write_the_summary_but_a_liaison_may_not(client, world):
    core_member = world.objects["core_member"]
    today = timezone.localdate()
    period = Period(today, today)
    summary = services.meeting_summary_save(
        core_member=core_member,
        kind="om_update",
        period=period,
        text="From the manager.",
        acting_user=world.users["manager"],
    )
    assert summary.written_by == world.users["manager"]
    from django.core.exceptions import PermissionDenied

    for actor in ("liaison_assigned", "other_coordinator", "volunteer_in_circle"):
        with pytest.raises(PermissionDenied):
            services.meeting_summary_save(
                core_member=core_member,
                kind="om_update",
                period=period,
                text="No.",
                acting_user=world.users[actor],
            )
    summary.refresh_from_db()
    assert summary.text == "From the manager."


def _page_queries(client, owner, core_member, django_assert_num_queries, expected):
    client.force_login(owner)
    url = _url("meeting_report", core_member)
    client.get(url)  # warm the session and the per-process caches
    with django_assert_num_queries(expected):
        response = client.get(url)
        assert response.status_code == 200


def test_the_page_makes_the_same_number_of_queries_whatever_the_data(
    client, world, django_assert_num_queries
):
    owner = world.users["owner"]
    circle = world.objects["circle"]
    core_member = world.objects["core_member"]
    volunteer = world.users["volunteer_in_circle"]
    add_rated_meetings(circle, volunteer, [1, 2], start_days_ago=60)
    _page_queries(client, owner, core_member, django_assert_num_queries, QUERIES)
    add_rated_meetings(circle, volunteer, [0, 1, 2, 3, 2, 1], start_days_ago=45)
    for _ in range(3):
        circle_services.concern_raise(
            circle=circle,
            acting_user=volunteer,
            category="WELLBEING",
            severity="AMBER",
            description="Tired.",
        )
    _page_queries(client, owner, core_member, django_assert_num_queries, QUERIES)


# The page's queries: session, user, device, notifications (base.html), the Core Member
# with the grant checks in its query, then the report's own reads (circles with their
# latest covenant, memberships, meetings with minutes, concerns, shared records,
# milestones, liaisons, summary), the log.
QUERIES = 15


def test_a_summary_is_in_the_subject_access_export_and_erased_with_him(world):
    import json

    from circles.models import Circle
    from privacy import retention

    # Circle B's Core Member: no concern of his was shared.
    owner = world.users["other_coordinator"]
    core_member = world.objects["other_core_member"]
    today = timezone.localdate()
    services.meeting_summary_save(
        core_member=core_member,
        kind=MeetingReportKind.MAPPA,
        period=Period(today - datetime.timedelta(days=30), today),
        text="Engaging well with the circle.",
        acting_user=owner,
    )
    exported = retention.subject_access_export(core_member)
    assert exported["meeting_report_summaries"][0]["text"] == "Engaging well with the circle."
    assert "Engaging well" in json.dumps(exported)
    circle_services.circle_end(
        circle=world.objects["other_circle"],
        reason=Circle.EndReason.COMPLETED,
        acting_user=owner,
    )
    retention.core_member_erase(
        core_member=core_member,
        acting_user=world.users["manager"],
        basis="REQUEST",
        reason="Fictional erasure for the test.",
    )
    assert not MeetingReportSummary.objects.exists()
    assert not MeetingReportSummary.history.exists()
