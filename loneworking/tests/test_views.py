import datetime
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SEEN_AT
from circles.models import CircleMembership
from loneworking import services
from loneworking.models import Alert, CheckIn
from loneworking.tests.conftest import start

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _once(response):
    return re.search(r'name="_once" value="([^"]+)"', response.content.decode()).group(1)


def _form(case, client, **overrides):
    response = client.get(reverse("loneworking:check_in"))
    end = timezone.localtime(timezone.now() + datetime.timedelta(hours=1))
    data = {
        "_once": _once(response),
        "circle": case["circle"].pk,
        "kind": "OUTING",
        "venue": "Riverside park café",
        "expected_end": end.strftime("%H:%M"),
        "phone": "07700 900123",
    }
    data.update(overrides)
    return data


# Outsiders first -------------------------------------------------------------------------


def test_staff_get_no_check_in_pages(client, case):
    _login(client, case["coordinator"])
    assert client.get(reverse("loneworking:mine")).status_code == 404
    assert client.get(reverse("loneworking:check_in")).status_code == 404


def test_another_circles_volunteer_cannot_check_in_to_this_circle(client, case):
    _login(client, case["otto"])
    response = client.post(reverse("loneworking:check_in"), _form(case, client))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_another_volunteer_cannot_see_or_act_on_a_check_in(client, case):
    checkin, _ = start(case)
    _login(client, case["otto"])
    for name in ("detail",):
        assert client.get(reverse(f"loneworking:{name}", args=[checkin.pk])).status_code == 404
    for name in ("check_out", "help"):
        assert client.post(reverse(f"loneworking:{name}", args=[checkin.pk])).status_code == 404
    checkin.refresh_from_db()
    assert checkin.checked_out_at is None and not checkin.alerts.exists()


def test_the_alert_page_is_for_its_people_the_coordinator_and_managers(client, case):
    checkin, _ = start(case)
    alert = services.checkin_help(checkin=checkin, acting_user=case["vera"])
    url = reverse("loneworking:alert", args=[alert.pk])
    for outsider in (case["other_coordinator"], case["vera"], case["otto"]):
        _login(client, outsider)
        assert client.get(url).status_code == 404, outsider
    for insider in (case["coordinator"], case["manager"]):
        _login(client, insider)
        page = client.get(url).content.decode()
        assert "07700 900123" in page and "Café on Mill Lane" in page
        assert "Call the volunteer now" in page


def test_an_unknown_token_is_a_404(client, case):
    start(case)
    assert client.get(reverse("loneworking:link", args=["not-a-token"])).status_code == 404
    response = client.post(reverse("loneworking:link_help", args=["not-a-token"]))
    assert response.status_code == 404
    assert not Alert.objects.exists()


def test_an_expired_link_says_so_and_acts_on_nothing(client, case):
    now = timezone.now()
    checkin, raw = start(case, now=now - datetime.timedelta(hours=6), hours=1)
    response = client.get(reverse("loneworking:link", args=[raw]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This check-in link has expired" in page and "999" in page
    assert client.post(reverse("loneworking:link_check_out", args=[raw])).status_code == 410
    assert client.post(reverse("loneworking:link_help", args=[raw])).status_code == 410
    checkin.refresh_from_db()
    assert checkin.checked_out_at is None and not checkin.alerts.exists()


def test_a_token_acts_on_its_own_check_in_only(client, case):
    first, first_raw = start(case)
    second, _ = start(case, user=case["otto"], circle=case["other"])
    client.post(reverse("loneworking:link_check_out", args=[first_raw]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.checked_out_at is not None
    assert second.checked_out_at is None


# The volunteer's way through ---------------------------------------------------------------


def test_checking_in_leads_to_the_link_which_works_without_login(client, case):
    _login(client, case["vera"])
    form = client.get(reverse("loneworking:check_in")).content.decode()
    assert 'value="07700 900123"' in form  # prefilled from their account
    response = client.post(reverse("loneworking:check_in"), _form(case, client), follow=True)
    checkin = CheckIn.objects.get()
    assert checkin.kind == "OUTING" and checkin.volunteer == case["vera"]
    link = response.redirect_chain[-1][0]
    assert link.startswith("/lone-working/link/")
    assert checkin.token_hash not in link
    page = response.content.decode()
    assert "Call <a" in page and "999" in page and "I need help" in page

    client.logout()
    assert client.get(link).status_code == 200
    client.post(link + "check-out/")
    checkin.refresh_from_db()
    assert checkin.checked_out_at is not None


def test_a_check_in_posted_twice_is_made_once(client, case):
    _login(client, case["vera"])
    data = _form(case, client)
    client.post(reverse("loneworking:check_in"), data)
    client.post(reverse("loneworking:check_in"), data)
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize("end", ["", "25:00"])
def test_a_bad_end_time_is_a_clear_error(client, case, end):
    _login(client, case["vera"])
    response = client.post(reverse("loneworking:check_in"), _form(case, client, expected_end=end))
    assert response.status_code == 200
    assert 'class="invalid-feedback' in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_time_just_past_is_refused(client, case):
    _login(client, case["vera"])
    past = timezone.localtime(timezone.now() - datetime.timedelta(minutes=5)).strftime("%H:%M")
    response = client.post(reverse("loneworking:check_in"), _form(case, client, expected_end=past))
    assert "That time has passed" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_help_from_the_link_twice_alerts_once(client, case):
    checkin, raw = start(case)
    url = reverse("loneworking:link_help", args=[raw])
    client.post(url)
    response = client.post(url, follow=True)
    assert Alert.objects.filter(checkin=checkin, step=Alert.Step.HELP).count() == 1
    assert "You asked for help" in response.content.decode()


def test_an_idle_session_does_not_stand_between_the_volunteer_and_help(client, case):
    checkin, raw = start(case)
    _login(client, case["vera"])
    session = client.session
    session[SEEN_AT] = int(time.time()) - 24 * 60 * 60
    session.save()
    response = client.post(reverse("loneworking:link_help", args=[raw]))
    assert response.status_code == 302
    assert response["Location"] == reverse("loneworking:link", args=[raw])
    assert checkin.alerts.filter(step=Alert.Step.HELP).exists()


def test_the_link_page_runs_no_idle_timer(client, case):
    _, raw = start(case)
    _login(client, case["vera"])
    response = client.get(reverse("loneworking:link", args=[raw]))
    assert "session-timeout.js" not in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_my_check_ins_list_them_with_their_alerts(client, case):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])
    start(case, user=case["otto"], circle=case["other"])
    _login(client, case["vera"])
    page = client.get(reverse("loneworking:mine")).content.decode()
    assert "Café on Mill Lane" in page and "Asked for help" in page
    assert page.count("One-to-one contact,") == 1  # Otto's is not here


def _shapes(captured):
    """Each query's start, savepoint names made alike."""
    # Savepoint and server-side cursor names (PostgreSQL) made alike.
    names = r'"(s\d+_x\d+|_django_curs_\d+_sync_\d+)"'
    return [re.sub(names, '"name"', q["sql"])[:70] for q in captured.captured_queries]


def _more_checkins(case, n):
    # Earlier contacts, each over before the next began (one contact runs at a time).
    earliest = CheckIn.objects.filter(volunteer=case["vera"]).order_by("started_at").first()
    before = earliest.started_at if earliest else timezone.now()
    for i in range(n):
        start(case, now=before - datetime.timedelta(hours=2 * (n - i)))
    for checkin in CheckIn.objects.filter(volunteer=case["vera"])[:n]:
        services.checkin_help(checkin=checkin, acting_user=case["vera"])


@pytest.mark.parametrize("pages", [("mine", []), ("check_in", [])])
def test_volunteer_pages_cost_the_same_queries_at_two_sizes(client, case, pages):
    name, args = pages
    url = reverse(f"loneworking:{name}", args=args)
    _login(client, case["vera"])
    _more_checkins(case, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_checkins(case, 6)
    # A second open circle to choose from.
    CircleMembership.objects.create(circle=case["other"], volunteer=case["vera"].volunteer)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert _shapes(large) == _shapes(small)
