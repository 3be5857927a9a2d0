"""The manager's dashboard across the service: the work waiting, counted by the service
summary, matches a fresh count, says when it was counted, and names the busiest
coordinators; a coordinator's own dashboard never shows it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CoordinatorFactory
from circles import needs
from circles.access import CircleScope
from circles.models import ReviewMilestone
from circles.tests.factories import ReviewMilestoneFactory, launchable_circle
from reports import services, workload
from reports.models import ServiceSummary

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("circles:dashboard")


def _stored_workload():
    return {
        row.status: row.n
        for row in ServiceSummary.objects.filter(kind=ServiceSummary.Kind.WORKLOAD)
    }


def _overdue_review(circle, days):
    return ReviewMilestoneFactory(
        circle=circle,
        kind=ReviewMilestone.Kind.MONTH_3,
        due_on=timezone.localdate() - datetime.timedelta(days=days),
    )


def test_a_coordinator_never_sees_the_service(client, coordinator, other_coordinator):
    _overdue_review(launchable_circle(coordinator=other_coordinator), 5)
    services.summary_refresh()
    client.force_login(coordinator)
    body = client.get(DASHBOARD).content.decode()
    assert "Across the service" not in body
    assert other_coordinator.get_full_name() not in body


def test_the_stored_workload_matches_a_fresh_count_of_every_line(coordinator, other_coordinator):
    busy = launchable_circle(coordinator=coordinator)
    _overdue_review(busy, 5)
    _overdue_review(launchable_circle(coordinator=other_coordinator), 9)
    services.summary_refresh()
    stored = _stored_workload()
    fresh = {need.key: need.count for need in needs.service_needs()}
    assert fresh["reviews_overdue"] == 2
    assert {key: stored[key] for key in fresh} == fresh
    lists = needs.dashboard_lists(CircleScope.service_wide(), timezone.now())
    assert stored["minutes-to-review"] == lists["minutes-to-review"].count()
    assert stored["minutes-overdue"] == lists["minutes-overdue"].count()
    assert set(workload.LISTS) <= set(stored)
    # More work arrives: the stored counts stay as counted until the next refresh.
    _overdue_review(launchable_circle(coordinator=coordinator), 2)
    assert _stored_workload()["reviews_overdue"] == 2
    services.summary_refresh()
    assert _stored_workload()["reviews_overdue"] == 3


def test_the_manager_sees_the_counts_when_they_were_counted_and_the_busiest_first(
    client, manager, coordinator, other_coordinator
):
    for _ in range(2):
        _overdue_review(launchable_circle(coordinator=other_coordinator), 5)
    launchable_circle(coordinator=coordinator)
    services.summary_refresh(now=timezone.now() - datetime.timedelta(minutes=4))
    client.force_login(manager)
    response = client.get(DASHBOARD)
    body = response.content.decode()
    assert "As of" in body
    assert body.index(other_coordinator.get_full_name()) < body.index(coordinator.get_full_name())


def test_the_manager_dashboard_costs_the_same_queries_with_more_work(
    client, manager, coordinator, django_assert_max_num_queries
):
    launchable_circle(coordinator=coordinator)
    services.summary_refresh()
    client.force_login(manager)
    client.get(DASHBOARD)
    with django_assert_max_num_queries(14) as small:
        client.get(DASHBOARD)
    for days in range(3):
        _overdue_review(launchable_circle(coordinator=CoordinatorFactory()), days + 1)
    services.summary_refresh()
    with django_assert_max_num_queries(14) as large:
        client.get(DASHBOARD)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_service_section_renders_nothing_for_anyone_but_a_manager(
    coordinator, other_coordinator, manager
):
    """Whatever page includes the tag, the service's counts and names are a manager's."""
    from django.template import Context, Template
    from django.test import RequestFactory

    _overdue_review(launchable_circle(coordinator=other_coordinator), 5)
    services.summary_refresh()
    template = Template("{% load workload_tags %}{% service_workload %}")
    for user, shown in ((coordinator, False), (manager, True)):
        request = RequestFactory().get("/")
        request.user = user
        html = template.render(Context({"request": request}))
        assert ("Across the service" in html) is shown
        assert (other_coordinator.get_full_name() in html) is shown
