"""The volunteer pool: list with filters and search, CSV export, a new volunteer, "me"."""

import csv
import datetime
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, User
from accounts.tests.factories import VolunteerUserFactory
from circles.tests.factories import CircleMembershipFactory
from volunteers.models import TrainingRecord, Volunteer
from volunteers.tests.factories import (
    ActiveVolunteerFactory,
    DBSCheckFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

INDEX = reverse("volunteers:index")
EXPORT = reverse("volunteers:export")
CREATE = reverse("volunteers:create")


def _names(response):
    return [v.user.get_full_name() for v in response.context["page"]]


def _issued_for_recheck_in(days):
    """An issue date whose recheck (issue + 3 years) falls ``days`` from today."""
    return timezone.localdate() + datetime.timedelta(days=days) - relativedelta(years=3)


def _volunteer(first, last, **kwargs):
    factory = kwargs.pop("factory", VolunteerFactory)
    return factory(user__first_name=first, user__last_name=last, **kwargs)


@pytest.fixture
def pool():
    """Six volunteers, one in each state the filters tell apart."""
    today = timezone.localdate()
    ready = _volunteer("Ada", "Ready", factory=ActiveVolunteerFactory)
    due = _volunteer("Bea", "Due", factory=ActiveVolunteerFactory, dbs_check=None)
    DBSCheckFactory(volunteer=due, issued_on=_issued_for_recheck_in(30))
    expired = _volunteer("Cal", "Expired", status=Volunteer.Status.PAUSED, started_on=today)
    DBSCheckFactory(volunteer=expired, issued_on=_issued_for_recheck_in(-1))
    TrainingRecordFactory(volunteer=expired, course=TrainingRecord.Course.INITIAL)
    applicant = _volunteer("Dee", "Applicant", user__email="dee.applicant@example.org")
    busy = _volunteer("Eve", "Busy", factory=ActiveVolunteerFactory)
    CircleMembershipFactory(volunteer=busy)
    CircleMembershipFactory(volunteer=busy)
    one = _volunteer("Fay", "Single", factory=ActiveVolunteerFactory)
    CircleMembershipFactory(volunteer=one)
    return {
        "ready": ready,
        "due": due,
        "expired": expired,
        "applicant": applicant,
        "busy": busy,
        "one": one,
    }


# Who may use the pool ------------------------------------------------------------------------


def test_a_liaison_is_refused_the_pool_the_export_and_the_new_volunteer_form(client, liaison):
    VolunteerFactory(user__first_name="Hidden")
    client.force_login(liaison)
    for url in (INDEX, EXPORT, CREATE):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Hidden" not in response.content
    assert client.post(CREATE, {"first_name": "X"}).status_code == 403
    assert not User.objects.filter(first_name="X").exists()


def test_a_volunteer_is_sent_to_their_circles_start_page_not_the_pool(client):
    volunteer = ActiveVolunteerFactory(user__first_name="Vera")
    VolunteerFactory(user__first_name="Someone", user__last_name="Else")
    client.force_login(volunteer.user)
    response = client.get(INDEX)
    # Their start page is about their circles, so it is the circles app's.
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:mine")
    assert b"Else" not in client.get(INDEX, follow=True).content
    assert client.get(EXPORT).status_code == 403
    assert client.get(CREATE).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_staff_see_the_whole_pool_with_readiness(client, pool, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert _names(response) == [
        "Dee Applicant",
        "Eve Busy",
        "Bea Due",
        "Cal Expired",
        "Ada Ready",
        "Fay Single",
    ]
    body = response.content.decode()
    assert "Due soon" in body  # Bea's recheck falls within 60 days
    assert "Overdue" in body  # Cal's has passed
    assert "No check" in body  # Dee has none
    rows = {v.pk: v for v in response.context["page"]}
    assert rows[pool["busy"].pk].circle_count == 2
    assert rows[pool["ready"].pk].trained and rows[pool["ready"].pk].dbs_current
    assert not rows[pool["expired"].pk].dbs_current


# Filters and search --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "PAUSED"}, ["Cal Expired"]),
        ({"status": "APPLIED"}, ["Dee Applicant"]),
        ({"dbs": "current"}, ["Eve Busy", "Bea Due", "Ada Ready", "Fay Single"]),
        ({"dbs": "due"}, ["Bea Due"]),
        ({"dbs": "expired"}, ["Cal Expired"]),
        ({"dbs": "none"}, ["Dee Applicant"]),
        ({"trained": "no"}, ["Dee Applicant"]),
        ({"trained": "yes", "circles": "0"}, ["Bea Due", "Cal Expired", "Ada Ready"]),
        ({"circles": "1"}, ["Fay Single"]),
        ({"circles": "2"}, ["Eve Busy"]),
        ({"q": "ready"}, ["Ada Ready"]),
        ({"q": "dee.applicant@example"}, ["Dee Applicant"]),
        ({"q": "nobody-has-this"}, []),
        (
            {"status": "ACTIVE", "dbs": "current", "trained": "yes", "circles": "0"},
            ["Bea Due", "Ada Ready"],
        ),
    ],
)
def test_filters_and_search_narrow_the_pool(client, coordinator, pool, params, expected):
    client.force_login(coordinator)
    response = client.get(INDEX, params)
    assert response.status_code == 200
    assert _names(response) == expected


def test_sorting_by_recheck_due_puts_the_soonest_first_and_no_check_last(client, coordinator, pool):
    client.force_login(coordinator)
    names = _names(client.get(INDEX, {"sort": "recheck"}))
    assert names[:2] == ["Cal Expired", "Bea Due"]
    assert names[-1] == "Dee Applicant"


def test_bad_filter_values_are_ignored_not_a_500(client, coordinator, pool):
    client.force_login(coordinator)
    response = client.get(
        INDEX,
        {"status": "BOGUS", "dbs": "x", "circles": "9", "sort": "user__password", "page": "z"},
    )
    assert response.status_code == 200
    assert len(_names(response)) == 6


def test_a_search_is_written_to_the_access_log(client, coordinator, pool):
    client.force_login(coordinator)
    client.get(INDEX, {"q": "Ready"})
    log = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert (log.user, log.detail) == (coordinator, "volunteers: Ready")


def test_pagination_links_keep_the_filters(client, coordinator):
    for n in range(27):
        VolunteerFactory(user__first_name=f"Pat{n:02d}", user__last_name="Paused", status="PAUSED")
    client.force_login(coordinator)
    response = client.get(INDEX, {"status": "PAUSED", "sort": "name"})
    assert response.context["page"].paginator.count == 27
    assert "?status=PAUSED&amp;sort=name&amp;page=2" in response.content.decode()
    second = client.get(INDEX, {"status": "PAUSED", "sort": "name", "page": 2})
    assert len(second.context["page"]) == 2


def test_the_pool_query_count_does_not_grow_with_rows(
    client, coordinator, django_assert_max_num_queries
):
    def measure():
        with django_assert_max_num_queries(QUERY_BUDGET) as context:
            response = client.get(INDEX, {"dbs": "current"})
            # Touch everything a row shows (the template has too).
            rows = [
                (v.user.email, v.dbs_recheck_due_on, v.trained, v.circle_count)
                for v in response.context["page"]
            ]
            assert rows
        return len(context.captured_queries)

    client.force_login(coordinator)
    for _ in range(2):
        CircleMembershipFactory(volunteer=ActiveVolunteerFactory())
    few = measure()
    for _ in range(20):
        CircleMembershipFactory(volunteer=ActiveVolunteerFactory())
    many = measure()
    assert few == many


# Measured 11: the page's own two (the count and one query for the page of volunteers
# with every readiness annotation) plus the request's bookkeeping (session, user, OTP
# device, savepoint and release, the nav's unread-notification count, session save).
QUERY_BUDGET = 11


# Export ----------------------------------------------------------------------------------------


def _csv(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_the_export_has_the_page_filters_and_is_logged_with_them(client, manager, pool):
    client.force_login(manager)
    response = client.get(EXPORT, {"dbs": "due"})
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0] == [
        "name",
        "e-mail",
        "status",
        "started",
        "DBS current",
        "DBS recheck due",
        "trained",
        "circles",
    ]
    assert [row[0] for row in rows[1:]] == ["Bea Due"]
    assert rows[1][4:] == [
        "yes",
        str(_issued_for_recheck_in(30) + relativedelta(years=3)),
        "yes",
        "0",
    ]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.detail) == (manager, "volunteers.csv dbs=due")


def test_the_unfiltered_export_has_everyone(client, coordinator, pool):
    client.force_login(coordinator)
    rows = _csv(client.get(EXPORT))
    assert len(rows) == 7
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).detail == "volunteers.csv"


def test_the_download_link_carries_the_filters(client, coordinator, pool):
    client.force_login(coordinator)
    body = client.get(INDEX, {"status": "ACTIVE", "page": "1"}).content.decode()
    assert f'href="{EXPORT}?status=ACTIVE"' in body


# A new volunteer ------------------------------------------------------------------------------

NEW = {
    "first_name": "Nia",
    "last_name": "Newcombe",
    "email": "Nia.Newcombe@Example.org",
    "phone": "07700 900123",
    "postcode_area": "ns2",
    "applied_on": "2026-01-05",
}


def test_bad_input_shows_errors_and_writes_nothing(client, coordinator):
    client.force_login(coordinator)
    users = User.objects.count()
    response = client.post(CREATE, {**NEW, "email": "not-an-email", "first_name": "  "})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "first_name"}
    assert User.objects.count() == users
    assert not Volunteer.objects.exists()


def test_an_application_dated_in_the_future_is_a_form_error(client, coordinator):
    client.force_login(coordinator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(CREATE, {**NEW, "applied_on": tomorrow.isoformat()})
    assert set(response.context["form"].errors) == {"applied_on"}
    assert not User.objects.filter(email="nia.newcombe@example.org").exists()


def test_an_email_already_in_use_is_a_form_error_and_nothing_is_written(client, coordinator):
    VolunteerUserFactory(email="nia.newcombe@example.org")
    client.force_login(coordinator)
    users = User.objects.count()
    response = client.post(CREATE, NEW)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.count() == users
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_staff_add_an_applicant_with_a_volunteer_account(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, NEW, follow=True)
    volunteer = Volunteer.objects.select_related("user").get()
    assert response.redirect_chain[-1][0] == reverse("volunteers:detail", args=[volunteer.pk])
    assert "added to the pool" in response.content.decode()
    assert volunteer.status == Volunteer.Status.APPLIED
    assert volunteer.applied_on == datetime.date(2026, 1, 5)
    assert volunteer.postcode_area == "NS2"
    user = volunteer.user
    assert (user.role, user.email, user.phone) == (
        User.Role.VOLUNTEER,
        "nia.newcombe@example.org",
        "07700 900123",
    )
    # Nobody can log in as the applicant until they set a password.
    assert not user.has_usable_password()
    assert not user.is_staff


# "Me" ----------------------------------------------------------------------------------------


def test_me_takes_a_volunteer_to_their_own_profile(client):
    volunteer = ActiveVolunteerFactory()
    client.force_login(volunteer.user)
    response = client.get(reverse("volunteers:me"))
    assert response["Location"] == reverse("volunteers:detail", args=[volunteer.pk])


def test_me_is_404_for_a_volunteer_account_outside_the_pool(client):
    client.force_login(VolunteerUserFactory())
    assert client.get(reverse("volunteers:me")).status_code == 404


def test_me_is_not_for_staff(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("volunteers:me")).status_code == 403


# Every page of the pool is CSP-ready: no inline styles, scripts or handlers -------------------


def test_the_pages_have_no_inline_styles_scripts_or_handlers(client, coordinator):
    import re

    volunteer = ActiveVolunteerFactory()
    reference = volunteer.references.create(
        referee_name="Rita", relationship="Friend", requested_on=timezone.localdate()
    )
    client.force_login(coordinator)
    pages = [
        INDEX,
        CREATE,
        reverse("volunteers:detail", args=[volunteer.pk]),
        reverse("volunteers:hours", args=[volunteer.pk]),
        reverse("circles:volunteer_leave", args=[volunteer.pk]),
        reverse("volunteers:dbs_new", args=[volunteer.pk]),
        reverse("volunteers:reference_edit", args=[volunteer.pk, reference.pk]),
    ]
    for page in pages:
        body = client.get(page).content.decode()
        assert " style=" not in body, page
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), page
        assert not re.search(r"\son[a-z]+=", body), page
        # Every visible form control has a label.
        controls = re.findall(r"<(?:input|select|textarea)[^>]*>", body)
        labelled = [c for c in controls if not re.search(r'type="(submit|hidden)"', c)]
        for control_id in (re.search(r'\bid="([^"]+)"', c).group(1) for c in labelled):
            assert f'for="{control_id}"' in body, (page, control_id)


def test_the_pool_page_reads_readiness_per_row_not_by_scanning_every_check(client, coordinator):
    """EXISTS in the SELECT list becomes a hashed scan of every DBS check and training
    record on PostgreSQL before LIMIT keeps a page: the page's query must not have one
    (the filters keep EXISTS in WHERE, where it is a semi-join)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ActiveVolunteerFactory()
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INDEX).status_code == 200
    [page_query] = [q["sql"] for q in captured.captured_queries if '"circle_count"' in q["sql"]]
    select_list = page_query.split(' FROM "volunteers_volunteer"')[0]
    assert "EXISTS" not in select_list.upper()
