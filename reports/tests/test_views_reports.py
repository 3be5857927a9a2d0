"""Report pages and exports: who may see what, filters, CSV and the audit trail."""

import pytest
from django.urls import reverse

from accounts.models import AccessLog

REPORT_PAGES = ["caseload", "activity", "safety", "volunteers", "outcomes"]
ALL_URLS = [
    *(f"reports:{slug}" for slug in REPORT_PAGES),
    "reports:quarterly",
    "reports:quarterly_csv",
]


def _get(client, user, name, data=None, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs or None), data or {})


def _concerns(response):
    return {row[0]: row[1] for row in response.context["report"].table("concerns").all_rows()}


@pytest.mark.parametrize(
    "actor",
    ["volunteer_in_circle", "volunteer_other_circle", "liaison_assigned", "liaison_unassigned"],
)
def test_volunteers_and_liaisons_are_refused_every_report(client, world, actor):
    for name in ALL_URLS:
        assert _get(client, world.users[actor], name).status_code == 403, name
    csv = _get(
        client, world.users[actor], "reports:table_csv", report="caseload", table="referrals"
    )
    assert csv.status_code == 403
    # The end-of-circle report names a circle: 403 to its volunteer, 404 to the rest.
    circle = world.objects["circle"]
    wanted = 403 if actor == "volunteer_in_circle" else 404
    response = _get(client, world.users[actor], "reports:circle_end", pk=circle.pk)
    assert response.status_code == wanted
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(reverse("reports:safety"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_each_coordinator_sees_only_their_own_numbers(client, world):
    # Circle A (owner) has one red concern; circle B (other coordinator) one amber.
    owner = _concerns(_get(client, world.users["owner"], "reports:safety"))
    assert owner["Red"] == 1 and owner["Amber"] == 0 and owner["Total"] == 1
    other = _concerns(_get(client, world.users["other_coordinator"], "reports:safety"))
    assert other["Red"] == 0 and other["Amber"] == 1 and other["Total"] == 1
    manager = _concerns(_get(client, world.users["manager"], "reports:safety"))
    assert manager["Total"] == 2


def test_a_coordinator_cannot_filter_to_another_coordinator(client, world):
    other = world.users["other_coordinator"]
    response = _get(client, world.users["owner"], "reports:safety", {"coordinator": other.pk})
    assert "coordinator" not in response.context["form"].fields
    assert _concerns(response)["Red"] == 1 and _concerns(response)["Amber"] == 0
    csv = _get(
        client,
        world.users["owner"],
        "reports:table_csv",
        {"coordinator": other.pk},
        report="safety",
        table="concerns",
    )
    assert '"Amber","0",' in csv.content.decode("utf-8-sig")


def test_a_manager_filters_by_coordinator(client, world):
    other = world.users["other_coordinator"]
    response = _get(client, world.users["manager"], "reports:safety", {"coordinator": other.pk})
    assert _concerns(response)["Amber"] == 1 and _concerns(response)["Red"] == 0
    assert b"caseload of Bartholomew Otherton" in response.content


def test_a_manager_cannot_filter_by_someone_who_is_not_a_coordinator(client, world):
    volunteer = world.users["volunteer_in_circle"]
    response = _get(client, world.users["manager"], "reports:safety", {"coordinator": volunteer.pk})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "coordinator" in response.context["form"].errors


def test_a_period_that_ends_before_it_starts_is_a_form_error(client, world):
    data = {"date_from": "2026-06-30", "date_to": "2026-04-01"}
    response = _get(client, world.users["manager"], "reports:caseload", data)
    assert response.status_code == 200 and response.context["report"] is None
    assert "date_to" in response.context["form"].errors
    bad = _get(
        client,
        world.users["manager"],
        "reports:table_csv",
        data,
        report="caseload",
        table="referrals",
    )
    assert bad.status_code == 400
    garbled = _get(client, world.users["manager"], "reports:caseload", {"date_from": "31/02/2026"})
    assert garbled.status_code == 200 and "date_from" in garbled.context["form"].errors
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_report_pages_draw_charts_with_their_tables(client, world):
    response = _get(client, world.users["manager"], "reports:caseload")
    html = response.content.decode()
    assert '<svg class="report-chart-svg"' in html and 'role="img"' in html
    assert 'aria-describedby="circles-by-state-table"' in html
    assert 'id="circles-by-state-table"' in html and "<figcaption" in html
    assert "<script>" not in html and "style=" not in html


def test_table_csv_is_logged_and_opens_in_a_spreadsheet(client, world):
    manager = world.users["manager"]
    data = {"date_from": "2024-01-01", "date_to": "2027-12-31"}
    response = _get(client, manager, "reports:table_csv", data, report="safety", table="concerns")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "cosa-safety-concerns-2024-01-01-2027-12-31.csv" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == '"Severity","Raised","Imminent risk","Shared","Closed","Still open"'
    assert lines[-1].startswith('"Total","2",')
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == manager
    assert log.detail == "report safety/concerns.csv 2024-01-01..2027-12-31"


def test_every_report_table_exports(client, world):
    from reports.queries import REPORTS, Period, Scope, build

    manager = world.users["manager"]
    tables = [
        (slug, table.slug)
        for slug in REPORTS
        for table in build(slug, Scope.for_user(manager), Period.default()).tables
    ]
    for report, table in tables:
        response = _get(client, manager, "reports:table_csv", report=report, table=table)
        assert response.status_code == 200, (report, table)
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count() == len(tables)


def test_unknown_reports_and_tables_are_404_and_not_logged(client, world):
    manager = world.users["manager"]
    assert (
        _get(client, manager, "reports:table_csv", report="nope", table="referrals").status_code
        == 404
    )
    assert (
        _get(client, manager, "reports:table_csv", report="caseload", table="nope").status_code
        == 404
    )
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_quarterly_return_page_and_csv_are_logged(client, world):
    owner = world.users["owner"]
    page = _get(client, owner, "reports:quarterly")
    assert page.status_code == 200
    assert b"Anonymised quarterly return" in page.content
    csv = _get(client, owner, "reports:quarterly_csv")
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0] == '"table","row","column","value"'
    core_member = world.objects["core_member"]
    for identity in (core_member.reference, core_member.last_name):
        assert identity not in text
        assert identity not in page.content.decode()
    assert owner.last_name not in text  # the page's menu bar names the reader, not the return
    details = list(
        AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=owner).values_list(
            "detail", flat=True
        )
    )
    assert len(details) == 2
    assert details[0].startswith("quarterly return csv ") or details[1].startswith(
        "quarterly return csv "
    )


def test_quarterly_return_refuses_a_quarter_not_offered(client, world):
    response = _get(client, world.users["manager"], "reports:quarterly", {"quarter": "1999-Q1"})
    assert response.status_code == 200 and response.context["tables"] is None
    csv = _get(client, world.users["manager"], "reports:quarterly_csv", {"quarter": "x"})
    assert csv.status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_no_report_or_export_carries_the_other_circles_data(client, world):
    from cosa.tests.world import LEAK_MARKERS

    owner = world.users["owner"]
    circle = world.objects["circle"]
    responses = [_get(client, owner, name) for name in ALL_URLS]
    responses += [
        _get(client, owner, "reports:table_csv", report=report, table=table)
        for report, table in [("caseload", "circles-by-state"), ("safety", "concerns")]
    ]
    responses += [
        _get(client, owner, name, pk=circle.pk)
        for name in ("reports:circle_end", "reports:circle_end_csv")
    ]
    for response in responses:
        assert response.status_code == 200
        body = response.content.decode("utf-8-sig")
        leaked = [marker for marker in LEAK_MARKERS if marker in body]
        assert not leaked, (response.wsgi_request.path, leaked)
