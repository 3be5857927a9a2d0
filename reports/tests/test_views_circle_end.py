"""The printable end-of-circle report: for the circle's coordinator and managers only."""

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from circles import services as circle_services
from circles.models import Circle


def _get(client, user, name, pk):
    client.force_login(user)
    return client.get(reverse(name, kwargs={"pk": pk}))


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("other_coordinator", 404),
        # Sees the circle, not its report.
        ("volunteer_in_circle", 403),
        # Do not see the circle at all.
        ("volunteer_other_circle", 404),
        ("liaison_assigned", 404),
        ("liaison_unassigned", 404),
    ],
)
def test_only_the_coordinator_and_managers_get_it(client, world, actor, status):
    circle = world.objects["circle"]
    for name in ("reports:circle_end", "reports:circle_end_csv"):
        response = _get(client, world.users[actor], name, circle.pk)
        assert response.status_code == status, name
        assert b"Tuesday circle" not in response.content
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_a_circle_that_does_not_exist_is_404(client, world):
    assert _get(client, world.users["manager"], "reports:circle_end", 999999).status_code == 404


def test_the_coordinator_gets_the_circles_own_figures_and_it_is_logged(client, world):
    circle = world.objects["circle"]
    owner = world.users["owner"]
    response = _get(client, owner, "reports:circle_end", circle.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tuesday circle" in html and circle.core_member.reference in html
    assert "Ivy Inside" in html and "Lena Leaver" in html  # current and former volunteers
    assert "has not ended" in html
    assert "Marmalade" not in html and "Zebediah" not in html  # nothing of circle B
    tables = {table.slug: table for table in response.context["tables"]}
    # Circle A's one red concern; circle B's amber concern is not here.
    concerns = {row[0]: row[1] for row in tables["concerns"].all_rows()}
    assert concerns == {"Amber": 0, "Red": 1, "Total": 1}
    # The one urgent record A shared with two liaisons.
    assert tables["records-shared"].total[1:] == [1, 1, 0]
    # Printable: the print button is wired by a static script, hidden from print.
    assert 'src="/static/js/reports-print.js"' in html and "d-print-none" in html
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.object_type, log.object_id) == (owner, "circles.circle", str(circle.pk))
    assert log.core_member_id == circle.core_member_id


def test_a_manager_gets_it_too(client, world):
    circle = world.objects["circle"]
    assert _get(client, world.users["manager"], "reports:circle_end", circle.pk).status_code == 200


def test_the_csv_neutralises_formulas_and_keeps_accents(client, world):
    circle = world.objects["circle"]
    owner = world.users["owner"]
    circle_services.circle_end(
        circle=circle,
        reason=Circle.EndReason.COMPLETED,
        acting_user=owner,
        outcome_notes="@SUM(A1) – Zoë finished the year",
    )
    Circle.objects.filter(pk=circle.pk).update(name='=HYPERLINK("http://example.org")')
    response = _get(client, owner, "reports:circle_end_csv", circle.pk)
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert "'@SUM(A1) – Zoë finished the year" in text
    assert "Completed" in text
    page = _get(client, owner, "reports:circle_end", circle.pk).content.decode()
    assert "has not ended" not in page and "Zoë finished the year" in page
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=owner).count() == 2


def test_the_outcomes_page_links_to_the_reports_of_ended_circles(client, world):
    circle = world.objects["circle"]
    owner = world.users["owner"]
    circle_services.circle_end(circle=circle, reason=Circle.EndReason.RECALLED, acting_user=owner)
    client.force_login(owner)
    html = client.get(reverse("reports:outcomes")).content.decode()
    assert reverse("reports:circle_end", kwargs={"pk": circle.pk}) in html
    assert "Recalled to prison" in html
    client.force_login(world.users["other_coordinator"])
    other = client.get(reverse("reports:outcomes")).content.decode()
    assert reverse("reports:circle_end", kwargs={"pk": circle.pk}) not in other
    assert "No circle ended in the period." in other
