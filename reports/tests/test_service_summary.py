"""The manager's overview reads a summary a Celery task keeps: it matches a fresh count,
says when it was counted, is recounted when stale, and never reaches a coordinator."""

import datetime

from django.urls import reverse
from django.utils import timezone

from circles.models import Circle
from coreMembers.models import CoreMember
from cosa.celery import app
from reports import services, tasks, workload
from reports.models import ServiceSummary
from reports.tests.helpers import owned_circle
from sharing.models import InformationSharingRecord

INDEX = reverse("reports:index")
LAUNCHED = datetime.date(2026, 4, 1)


def _fresh():
    counted = services.status_counts(
        Circle.objects.all(), CoreMember.objects.all(), InformationSharingRecord.objects.all()
    )
    return sorted(counted + workload.counts())


def _stored():
    return sorted((row.kind, row.status, row.n) for row in ServiceSummary.objects.all())


def _rows(response, key):
    return {row["status"]: row["n"] for row in response.context[key]}


def _fake_summary(n, counted_at=None):
    counted_at = counted_at or timezone.now()
    ServiceSummary.objects.create(kind="circles", status="ACTIVE", n=n, counted_at=counted_at)


def test_a_coordinator_never_sees_the_service_wide_summary(client, world):
    _fake_summary(999)
    client.force_login(world.users["owner"])
    response = client.get(INDEX)
    assert _rows(response, "circles_by_status") == {"ACTIVE": 1}
    assert response.context["counted_at"] is None
    assert b"As of" not in response.content


def test_the_task_stores_counts_that_match_a_fresh_count(coordinator):
    owned_circle(coordinator, launched_on=LAUNCHED)
    tasks.summary_refresh()
    assert _stored() == _fresh()
    # The data changes; the next run follows it and keeps one row per status.
    owned_circle(coordinator, status=Circle.Status.FORMING)
    assert _stored() != _fresh()
    tasks.summary_refresh()
    assert _stored() == _fresh()


def test_the_managers_overview_reads_the_stored_summary_and_says_when(client, world):
    counted_at = timezone.now() - datetime.timedelta(minutes=3)
    _fake_summary(41, counted_at)
    client.force_login(world.users["manager"])
    response = client.get(INDEX)
    assert _rows(response, "circles_by_status") == {"ACTIVE": 41}
    assert response.context["counted_at"] == counted_at
    assert b"As of" in response.content


def test_the_first_read_counts_and_stores_the_summary(client, world):
    client.force_login(world.users["manager"])
    response = client.get(INDEX)
    assert _rows(response, "circles_by_status") == {"ACTIVE": 2}
    assert _stored() == _fresh()


def test_a_stale_summary_is_recounted_on_read(client, world):
    _fake_summary(41, timezone.now() - services.SUMMARY_MAX_AGE - datetime.timedelta(minutes=1))
    client.force_login(world.users["manager"])
    response = client.get(INDEX)
    assert _rows(response, "circles_by_status") == {"ACTIVE": 2}
    assert _stored() == _fresh()


def test_losing_a_race_to_store_the_summary_reads_the_stored_one_not_a_500(
    client, world, monkeypatch
):
    """Two workers recounting a stale summary at once: the second insert of the same
    (kind, status) is refused by the unique constraint; that reader gets a page."""
    _fake_summary(41, timezone.now() - services.SUMMARY_MAX_AGE - datetime.timedelta(minutes=1))
    real_refresh = services.summary_refresh

    def stored_twice(**kwargs):
        rows = real_refresh(**kwargs)
        ServiceSummary.objects.bulk_create(
            ServiceSummary(kind=r.kind, status=r.status, n=r.n, counted_at=r.counted_at)
            for r in rows
        )

    monkeypatch.setattr(services, "summary_refresh", stored_twice)
    client.force_login(world.users["manager"])
    response = client.get(INDEX)
    assert response.status_code == 200
    assert _rows(response, "circles_by_status") == {"ACTIVE": 41}


def test_beat_refreshes_the_summary_more_often_than_it_goes_stale():
    [entry] = [
        entry
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "reports.tasks.summary_refresh"
    ]
    assert entry["schedule"] < services.SUMMARY_MAX_AGE.total_seconds()


def test_the_managers_overview_costs_the_same_queries_with_more_data(
    client, manager, coordinator, django_assert_max_num_queries
):
    owned_circle(coordinator, launched_on=LAUNCHED)
    client.force_login(manager)
    client.get(INDEX)
    with django_assert_max_num_queries(MANAGER_QUERIES) as few:
        client.get(INDEX)
    for _ in range(3):
        owned_circle(coordinator, launched_on=LAUNCHED)
    tasks.summary_refresh()
    with django_assert_max_num_queries(MANAGER_QUERIES) as many:
        client.get(INDEX)
    assert len(few.captured_queries) == len(many.captured_queries)


# The request's bookkeeping plus one read of the stored summary.
MANAGER_QUERIES = 10
