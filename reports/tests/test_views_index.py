"""The reports overview: the reader's own caseload at a glance, in one query."""

from django.urls import reverse


def _rows(response, key):
    return {row["status"]: row["n"] for row in response.context[key]}


def test_each_coordinator_sees_their_own_counts(client, world):
    client.force_login(world.users["owner"])
    owner = client.get(reverse("reports:index"))
    # Circle A is active; its Core Member is in a circle; one record shared with two liaisons.
    assert _rows(owner, "circles_by_status") == {"ACTIVE": 1}
    assert _rows(owner, "core_members_by_status") == {"IN_CIRCLE": 1}
    assert _rows(owner, "records_by_status") == {"SHARED": 1}
    assert b"Marmalade" not in owner.content
    client.force_login(world.users["manager"])
    manager = client.get(reverse("reports:index"))
    assert _rows(manager, "circles_by_status") == {"ACTIVE": 2}
    assert _rows(manager, "core_members_by_status") == {"IN_CIRCLE": 2}


def test_the_overview_links_every_report(client, world):
    client.force_login(world.users["owner"])
    html = client.get(reverse("reports:index")).content.decode()
    for name in ("caseload", "activity", "safety", "volunteers", "outcomes", "quarterly"):
        assert reverse(f"reports:{name}") in html
