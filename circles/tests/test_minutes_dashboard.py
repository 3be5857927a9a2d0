"""The volunteer start page, the coordinator dashboard and the risk trend: content, order,
access and pinned query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.tests.factories import CoordinatorFactory, LiaisonFactory
from circles import services
from circles.models import Concern, MeetingNote
from circles.risk import find_rises
from circles.tests.factories import MeetingFactory, launchable_circle

pytestmark = pytest.mark.django_db

# Measured: session, user, two-factor device, savepoints, the bell, the session touch and
# the page's own queries; the same for 3 or 9 rows.
MINE_QUERIES = 13
# Each of the dashboard's lists (minutes to review, concerns, minutes overdue, shared
# records not acknowledged in time) brings its count in the same query; the "also due"
# lines (reviews, this week, DBS, agreements, referrals) are one query together.
DASHBOARD_QUERIES = 16
TREND_QUERIES = 13


@pytest.fixture
def circle(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    circle.memberships.update(joined_on=timezone.localdate() - datetime.timedelta(days=200))
    return circle


@pytest.fixture
def members(circle):
    return [m.volunteer for m in circle.memberships.select_related("volunteer__user")]


def ago(**kwargs):
    return timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(**kwargs)


def minutes(circle, volunteer, starts_at, submit=True, **risks):
    meeting = MeetingFactory(circle=circle, starts_at=starts_at)
    return services.note_save(
        meeting=meeting,
        acting_user=volunteer.user,
        attendance="YES",
        summary="Notes.",
        submit=submit,
        **risks,
    )


def add_rows(circle, members, n, offset=0):
    """n submitted minutes, n meetings owed, n concerns, n upcoming meetings."""
    for i in range(n):
        minutes(circle, members[0], ago(days=3 + offset + i, hours=1), risk_mood=i % 4)
        MeetingFactory(circle=circle, starts_at=ago(days=60 + offset + i))
        MeetingFactory(
            circle=circle, starts_at=timezone.now() + datetime.timedelta(days=1 + offset + i)
        )
        services.concern_raise(
            circle=circle,
            acting_user=members[1].user,
            category=Concern.Category.OTHER,
            severity=Concern.Severity.RED if i % 2 else Concern.Severity.AMBER,
            description=f"Concern {offset + i}",
        )


def count_queries(client, user, url):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    response.content  # noqa: B018 - render fully
    return len(queries)


def test_query_counts_do_not_grow_with_rows(client, circle, members, coordinator):
    pages = [
        (members[0].user, reverse("circles:mine"), MINE_QUERIES),
        (coordinator, reverse("circles:dashboard"), DASHBOARD_QUERIES),
        (coordinator, reverse("circles:risk_trend", args=[circle.core_member_id]), TREND_QUERIES),
    ]
    add_rows(circle, members, 3)
    small = [count_queries(client, user, url) for user, url, _budget in pages]
    add_rows(circle, members, 6, offset=10)
    large = [count_queries(client, user, url) for user, url, _budget in pages]
    assert small == large
    for (_user, url, budget), measured in zip(pages, large, strict=True):
        assert measured <= budget, (url, measured)


def test_pinned_with_django_assert_max_num_queries(
    client, circle, members, coordinator, django_assert_max_num_queries
):
    add_rows(circle, members, 5)
    client.force_login(members[0].user)
    with django_assert_max_num_queries(MINE_QUERIES):
        client.get(reverse("circles:mine")).content  # noqa: B018
    client.force_login(coordinator)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        client.get(reverse("circles:dashboard")).content  # noqa: B018
    with django_assert_max_num_queries(TREND_QUERIES):
        client.get(reverse("circles:risk_trend", args=[circle.core_member_id])).content  # noqa: B018


# The volunteer start page -----------------------------------------------------------------


def test_start_page_shows_next_meeting_owed_minutes_overdue_first_and_review_comments(
    client, circle, members, coordinator
):
    circle.venue = "St Anne's Hall"
    circle.save(update_fields=["venue"])
    # 19:30 London on a summer date is 18:30 UTC: shown in local time.
    next_meeting = MeetingFactory(
        circle=circle,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        venue="St Anne's Hall",
    )
    overdue = MeetingFactory(circle=circle, starts_at=ago(days=5))
    due_soon = MeetingFactory(circle=circle, starts_at=ago(hours=3))
    reviewed = minutes(circle, members[0], ago(days=9))
    services.note_review(note=reviewed, acting_user=coordinator, comment="Clear and careful.")
    client.force_login(members[0].user)
    response = client.get(reverse("circles:mine"))
    body = response.content.decode()
    owed = list(response.context["owed"])
    assert owed == [overdue, due_soon]
    assert "Overdue" in body
    assert "St Anne&#x27;s Hall" in body
    local = timezone.localtime(next_meeting.starts_at)
    assert f"{local:%H:%M}" in body
    assert "Clear and careful." in body
    assert "Reviewed" in body
    # The home page sends a volunteer here.
    assert client.get(reverse("accounts:home"))["Location"] == reverse("circles:mine")


def test_start_page_never_shows_risk_scores_or_other_circles(
    client, circle, members, other_coordinator
):
    other = launchable_circle(coordinator=other_coordinator)
    MeetingFactory(circle=other, starts_at=ago(days=2))
    client.force_login(members[0].user)
    body = client.get(reverse("circles:mine")).content.decode()
    assert reverse("circles:detail", args=[other.pk]) not in body
    assert other.core_member.reference not in body


# The coordinator dashboard ---------------------------------------------------------------


def test_dashboard_orders_review_queue_oldest_first_and_concerns_red_first(
    client, circle, members, coordinator, other_coordinator
):
    newer = minutes(circle, members[0], ago(days=2))
    older = minutes(circle, members[0], ago(days=4))
    MeetingNote.objects.filter(pk=older.pk).update(submitted_at=ago(days=3))
    MeetingNote.objects.filter(pk=newer.pk).update(submitted_at=ago(days=1))
    amber = services.concern_raise(
        circle=circle,
        acting_user=members[0].user,
        category="OTHER",
        severity="AMBER",
        description="a",
    )
    red = services.concern_raise(
        circle=circle,
        acting_user=members[0].user,
        category="OTHER",
        severity="RED",
        description="b",
    )
    owed = MeetingFactory(circle=circle, starts_at=ago(days=6))
    client.force_login(coordinator)
    response = client.get(reverse("circles:dashboard"))
    assert list(response.context["review_queue"]) == [older, newer]
    assert list(response.context["concerns"]) == [red, amber]
    assert list(response.context["overdue"]) == [owed]
    assert client.get(reverse("accounts:home"))["Location"] == reverse("circles:dashboard")
    # Another coordinator's dashboard holds none of it.
    client.force_login(other_coordinator)
    response = client.get(reverse("circles:dashboard"))
    assert not response.context["review_queue"]
    assert not response.context["concerns"]
    assert not response.context["overdue"]


def test_dashboard_and_trend_refuse_volunteers(client, circle, members):
    client.force_login(members[0].user)
    assert client.get(reverse("circles:dashboard")).status_code == 403
    # A volunteer never sees the Core Member's record: it does not exist for them (404).
    trend = reverse("circles:risk_trend", args=[circle.core_member_id])
    assert client.get(trend).status_code == 404


# The dynamic-risk trend -------------------------------------------------------------------


def test_find_rises_flags_a_rise_of_two_within_four_weeks_and_reaching_three():
    day = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    week = datetime.timedelta(days=7)
    points = [
        (day, 0),
        (day + week, 1),
        (day + 2 * week, 2),  # 0 → 2 within 4 weeks
        (day + 3 * week, None),
        (day + 10 * week, 2),  # no lower rating in the 4 weeks before
        (day + 11 * week, 3),  # reaches 3 (from 2: up by only 1)
        (day + 12 * week, 3),  # stays at 3: not a new rise
    ]
    rises = find_rises(points)
    assert set(rises) == {2, 5}
    assert rises[2][1] == "up 2 in 4 weeks"
    assert rises[5][1] == "reached 3"
    assert find_rises([]) == {}
    assert find_rises([(day, None), (day + week, 1)]) == {}


def test_trend_page_draws_an_svg_with_a_table_and_highlights_rises(
    client, circle, members, coordinator, other_coordinator
):
    for weeks, mood in ((6, 0), (5, 0), (4, 1), (3, 3)):
        minutes(circle, members[0], ago(weeks=weeks), risk_mood=mood, risk_isolation=1)
    minutes(circle, members[0], ago(weeks=2), submit=False, risk_mood=0)  # drafts are left out
    url = reverse("circles:risk_trend", args=[circle.core_member_id])
    client.force_login(other_coordinator)
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    # Inside <main>: the navigation has its own icon.
    assert body.split("<main", 1)[1].count("<svg") == len(MeetingNote.RISK_FIELDS)
    assert "<polyline" in body
    assert 'fill="#dc3545"' in body  # the rise is drawn in red
    assert "<table" in body
    assert "▲" in body
    assert len(response.context["rows"]) == 4
    rises = response.context["rises"]
    assert [(r["label"], r["value"]) for r in rises] == [("Low mood", 3)]
    assert "<script" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    assert AccessLog.objects.filter(
        user=coordinator, object_type="core_members.coremember", detail="dynamic-risk trend"
    ).exists()
    # The dashboard lists the recent rise.
    dashboard = client.get(reverse("circles:dashboard"))
    assert [r["label"] for r in dashboard.context["rises"]] == ["Low mood"]


def test_a_manager_sees_the_service_counted_and_the_urgent_live_but_no_rise_scan(
    client, circle, members, manager
):
    """Across the service the lists are the summary's counts (as of when they were
    counted); concerns to triage are read live, so a new one shows at once."""
    from reports import services as report_services

    minutes(circle, members[0], ago(days=2))
    report_services.summary_refresh()
    services.concern_raise(
        circle=circle,
        acting_user=members[1].user,
        category=Concern.Category.OTHER,
        severity=Concern.Severity.RED,
        description="Raised after the count",
    )
    client.force_login(manager)
    response = client.get(reverse("circles:dashboard"))
    body = response.content.decode()
    assert "Across the service" in body and "As of" in body
    assert response.context["concern_count"] == 1
    assert "review_queue" not in response.context
    assert response.context.get("rises") is None
    assert "Dynamic-risk rises" not in body
    assert 'id="service-minutes-to-review"' in body


def test_dashboard_counts_every_row_while_listing_the_first_few(
    client, circle, members, coordinator, monkeypatch
):
    from circles.views import minutes as minutes_views

    monkeypatch.setattr(minutes_views, "DASHBOARD_LIMIT", 2)
    add_rows(circle, members, 3)
    client.force_login(coordinator)
    response = client.get(reverse("circles:dashboard"))
    assert len(response.context["review_queue"]) == 2
    assert response.context["review_count"] == 3
    assert len(response.context["concerns"]) == 2
    assert response.context["concern_count"] == 3
    assert len(response.context["overdue"]) == 2
    assert response.context["overdue_count"] == 3
    assert b"Showing the oldest 2 of 3." in response.content
    # Nothing waiting: the counts are 0, not an error on an empty list.
    MeetingNote.objects.all().delete()
    Concern.objects.all().delete()
    client.force_login(coordinator)
    response = client.get(reverse("circles:dashboard"))
    assert response.context["review_count"] == 0
    assert response.context["concern_count"] == 0


# The dashboard's lists in full ---------------------------------------------------------------

LISTS = ("concerns", "minutes-to-review", "minutes-overdue")


@pytest.mark.parametrize("which", LISTS)
def test_a_full_list_is_not_for_volunteers_or_liaisons(client, circle, members, which):
    liaison = LiaisonFactory()
    for user in (members[0].user, liaison):
        client.force_login(user)
        response = client.get(reverse("circles:dashboard_list", args=[which]))
        assert response.status_code == 403


def test_an_unknown_list_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("circles:dashboard_list", args=["everything"])).status_code == 404


@pytest.mark.parametrize("which", LISTS)
def test_another_coordinators_full_list_leaves_out_this_caseload(client, circle, members, which):
    add_rows(circle, members, 2)
    client.force_login(CoordinatorFactory())
    response = client.get(reverse("circles:dashboard_list", args=[which]))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert circle.name not in response.content.decode()


def test_the_dashboard_links_each_long_list_to_its_full_page(
    client, circle, members, coordinator, monkeypatch
):
    from circles.views import minutes as minutes_views

    monkeypatch.setattr(minutes_views, "DASHBOARD_LIMIT", 2)
    add_rows(circle, members, 3)
    client.force_login(coordinator)
    body = client.get(reverse("circles:dashboard")).content.decode()
    for which in LISTS:
        assert reverse("circles:dashboard_list", args=[which]) in body
    concerns = client.get(reverse("circles:dashboard_list", args=["concerns"]))
    # Every one, in the dashboard's order: RED before AMBER, then oldest first.
    listed = list(concerns.context["page"])
    assert len(listed) == 3
    assert [c.severity for c in listed] == sorted((c.severity for c in listed), reverse=True)
    body = concerns.content.decode()
    for concern in listed:
        assert reverse("circles:concern_detail", args=[circle.pk, concern.pk]) in body
    review = client.get(reverse("circles:dashboard_list", args=["minutes-to-review"]))
    assert review.context["page"].paginator.count == 3
    overdue = client.get(reverse("circles:dashboard_list", args=["minutes-overdue"]))
    assert overdue.context["page"].paginator.count == 3


@pytest.mark.parametrize("which", LISTS)
def test_a_full_lists_queries_do_not_grow_with_rows(client, circle, members, coordinator, which):
    url = reverse("circles:dashboard_list", args=[which])
    add_rows(circle, members, 2)
    small = count_queries(client, coordinator, url)
    add_rows(circle, members, 6, offset=10)
    assert count_queries(client, coordinator, url) == small
    assert small <= LIST_QUERIES


# Session, user, device, savepoints, the caseload's circles, the count, the page.
LIST_QUERIES = 9
