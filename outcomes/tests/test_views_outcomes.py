"""Outcome pages: the Core Member's outcomes, recording a recall or
reconviction, and the 12/24-month follow-up check of an ended circle.

The circle launched 800 days ago and ended 400 days ago: the 12-month check was due
435 days ago, the 24-month one 70 days ago.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, Agency, User
from accounts.services import user_create
from circles import services as circle_services
from circles.models import Circle
from coreMembers import services as cm_services
from coreMembers.models import LiaisonAssignment
from cosa.tests.world import active_volunteer, launched_circle
from formpages.models import Draft
from outcomes.models import FollowUpCheck, OutcomeEvent

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def _person(role, first, last, agency=None):
    return user_create(
        email=f"{first.lower()}.{last.lower()}@example.org",
        first_name=first,
        last_name=last,
        role=role,
        agency=agency,
    )


@pytest.fixture
def case():
    police = Agency.objects.create(name="Police PPU East", kind=Agency.Kind.POLICE_PPU)
    owner = _person(User.Role.COORDINATOR, "Olwen", "Owner")
    volunteers = [active_volunteer("Vera", last) for last in ("Ash", "Birch", "Cedar")]
    circle = launched_circle(
        coordinator=owner,
        volunteers=volunteers,
        agencies=[police],
        first="Terry",
        last="Testcase",
        launched_days_ago=800,
    )
    liaison = _person(User.Role.LIAISON, "Lara", "Liaison", police)
    cm_services.liaison_assign(
        core_member=circle.core_member,
        liaison=liaison,
        role=LiaisonAssignment.Role.POLICE_PPU,
    )
    circle_services.circle_end(
        circle=circle, reason=Circle.EndReason.COMPLETED, acting_user=owner, ended_on=ago(400)
    )
    circle.refresh_from_db()
    return {
        "circle": circle,
        "core_member": circle.core_member,
        "owner": owner,
        "manager": _person(User.Role.MANAGER, "Mona", "Manager"),
        "other_coordinator": _person(User.Role.COORDINATOR, "Otis", "Otherton"),
        "volunteer": volunteers[0].user,
        "liaison": liaison,
        "police": police,
    }


def outcomes_url(case):
    return reverse("outcomes:outcomes", args=[case["core_member"].pk])


def record_url(case):
    return reverse("outcomes:outcome_record", args=[case["core_member"].pk])


def follow_up_url(case, months=12):
    return reverse("outcomes:follow_up", args=[case["circle"].pk, months])


def reconviction(case, **fields):
    data = {
        "kind": "RECONVICTION",
        "occurred_on": ago(300).isoformat(),
        "offence_type": "SEXUAL",
        "offence_on": ago(320).isoformat(),
        "source_agency": case["police"].pk,
        "circle": "",
        "note": "Convicted at the Crown Court.",
    }
    data.update(fields)
    return data


def check(case, **fields):
    data = {
        "checked_on": ago(3).isoformat(),
        "checked_with": case["police"].pk,
        "nothing_found": "on",
        "note": "",
    }
    data.update(fields)
    return data


# Refused ------------------------------------------------------------------------------------


def test_another_coordinator_is_told_nothing_exists(client, case):
    client.force_login(case["other_coordinator"])
    assert client.get(outcomes_url(case)).status_code == 404
    assert client.get(record_url(case)).status_code == 404
    assert client.post(record_url(case), reconviction(case)).status_code == 404
    assert client.get(follow_up_url(case)).status_code == 404
    assert client.post(follow_up_url(case), check(case)).status_code == 404
    assert not OutcomeEvent.objects.exists()
    assert not FollowUpCheck.objects.exists()


def test_the_circles_volunteer_is_refused(client, case):
    # Their membership ended with the circle: the circle and the record are unseen.
    client.force_login(case["volunteer"])
    assert client.get(outcomes_url(case)).status_code == 404
    assert client.post(record_url(case), reconviction(case)).status_code == 404
    assert client.post(follow_up_url(case), check(case)).status_code == 404
    assert not OutcomeEvent.objects.exists()
    assert not FollowUpCheck.objects.exists()


def test_a_volunteer_of_an_open_circle_sees_it_but_may_not_record(client, case):
    volunteers = [active_volunteer("Walt", last) for last in ("Ash", "Birch", "Cedar")]
    open_circle = launched_circle(
        coordinator=case["owner"],
        volunteers=volunteers,
        agencies=[case["police"]],
        first="Owen",
        last="Open",
    )
    client.force_login(volunteers[0].user)
    url = reverse("outcomes:follow_up", args=[open_circle.pk, 12])
    assert client.get(url).status_code == 403
    assert client.post(url, check(case)).status_code == 403
    assert not FollowUpCheck.objects.exists()


def test_the_assigned_liaison_sees_the_identity_but_is_refused(client, case):
    client.force_login(case["liaison"])
    assert client.get(outcomes_url(case)).status_code == 403
    assert client.get(record_url(case)).status_code == 403
    assert client.post(record_url(case), reconviction(case)).status_code == 403
    assert client.post(follow_up_url(case), check(case)).status_code == 404
    assert not OutcomeEvent.objects.exists()
    assert not FollowUpCheck.objects.exists()


def test_bad_input_is_a_form_error_and_writes_nothing(client, case):
    client.force_login(case["owner"])
    response = client.post(record_url(case), reconviction(case, offence_type=""))
    assert response.status_code == 200
    assert "offence_type" in response.context["form"].errors
    response = client.post(record_url(case), reconviction(case, offence_on=ago(299).isoformat()))
    assert "offence_on" in response.context["form"].errors
    response = client.post(record_url(case), reconviction(case, occurred_on="2026-02-30"))
    assert "occurred_on" in response.context["form"].errors
    assert not OutcomeEvent.objects.exists()

    # Before the 12-month point (435 days ago) and without a note when something was found.
    response = client.post(follow_up_url(case), check(case, checked_on=ago(436).isoformat()))
    assert response.status_code == 200
    assert "checked_on" in response.context["form"].errors
    response = client.post(follow_up_url(case), check(case, nothing_found=""))
    assert "note" in response.context["form"].errors
    assert not FollowUpCheck.objects.exists()


def test_other_follow_up_periods_do_not_exist(client, case):
    client.force_login(case["manager"])
    assert client.get(follow_up_url(case, 18)).status_code == 404


def test_an_open_circle_waits_for_its_end(client, case):
    volunteers = [active_volunteer("Xena", last) for last in ("Ash", "Birch", "Cedar")]
    open_circle = launched_circle(
        coordinator=case["owner"],
        volunteers=volunteers,
        agencies=[case["police"]],
        first="Owen",
        last="Open",
        launched_days_ago=400,
    )
    client.force_login(case["owner"])
    url = reverse("outcomes:follow_up", args=[open_circle.pk, 12])
    response = client.get(url)
    assert b"The circle has not ended" in response.content
    response = client.post(url, check(case))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not FollowUpCheck.objects.exists()


# Allowed -----------------------------------------------------------------------------------


def test_the_owner_records_a_reconviction(client, case):
    client.force_login(case["owner"])
    assert client.get(record_url(case)).status_code == 200
    response = client.post(record_url(case), reconviction(case))
    assert response.status_code == 302
    assert response["Location"] == outcomes_url(case) + "#events"
    event = OutcomeEvent.objects.get()
    assert event.core_member == case["core_member"]
    assert event.circle == case["circle"]  # linked: launched by the offence date
    assert event.offence_type == "SEXUAL" and event.offence_on == ago(320)
    assert event.recorded_by == case["owner"]

    response = client.get(outcomes_url(case))
    assert response.status_code == 200
    assert b"Reconviction: sexual offence" in response.content
    assert b"Convicted at the Crown Court." in response.content
    assert AccessLog.objects.filter(
        user=case["owner"], core_member_id=case["core_member"].pk, detail="outcomes"
    ).exists()


def test_the_manager_records_the_follow_up_once(client, case):
    client.force_login(case["manager"])
    response = client.get(outcomes_url(case))
    # Both checks are due (12 months 435 days ago, 24 months 70 days ago).
    assert response.content.count(b'class="badge text-bg-danger">due<') == 2
    assert client.get(follow_up_url(case)).status_code == 200
    response = client.post(follow_up_url(case), check(case))
    assert response.status_code == 302
    assert response["Location"] == outcomes_url(case) + "#follow-up"
    recorded = FollowUpCheck.objects.get()
    assert (recorded.circle, recorded.months, recorded.nothing_found) == (
        case["circle"],
        12,
        True,
    )
    assert recorded.recorded_by == case["manager"]

    # The page now shows the check; a second POST records nothing more.
    response = client.get(follow_up_url(case))
    assert b"Nothing found" in response.content
    assert response.context["form"] is None
    assert client.post(follow_up_url(case), check(case)).status_code == 302
    assert FollowUpCheck.objects.count() == 1
    response = client.get(outcomes_url(case))
    assert response.content.count(b'class="badge text-bg-danger">due<') == 1


def test_the_pages_link_to_outcomes_and_follow_up(client, case):
    client.force_login(case["owner"])
    detail = client.get(reverse("core_members:detail", args=[case["core_member"].pk]))
    assert outcomes_url(case).encode() in detail.content
    circle = client.get(reverse("circles:detail", args=[case["circle"].pk]))
    assert follow_up_url(case, 12).encode() in circle.content
    assert follow_up_url(case, 24).encode() in circle.content
    outcomes = client.get(outcomes_url(case))
    assert record_url(case).encode() in outcomes.content
    assert follow_up_url(case, 24).encode() in outcomes.content


def test_the_outcomes_page_queries_do_not_grow(client, case, django_assert_max_num_queries):
    from accounts.tests.factories import AgencyFactory

    client.force_login(case["owner"])
    client.get(outcomes_url(case))

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(outcomes_url(case)).status_code == 200
        return len(queries)

    small = count()
    for days in range(10, 16):
        OutcomeEvent.objects.create(
            core_member=case["core_member"],
            circle=case["circle"],
            kind="RECALL",
            occurred_on=ago(days),
            source_agency=AgencyFactory(),
            recorded_by=case["owner"],
        )
    for months in (12, 24):
        FollowUpCheck.objects.create(
            circle=case["circle"],
            months=months,
            checked_on=ago(5),
            checked_with=AgencyFactory(),
            note="Recalled.",
            recorded_by=case["manager"],
        )
    assert count() == small
    with django_assert_max_num_queries(OUTCOMES_PAGE_QUERIES):
        client.get(outcomes_url(case))


# Measured on SQLite for a coordinator, session, 2FA and notification queries included.
OUTCOMES_PAGE_QUERIES = 16


# Posted twice, written once; the note is kept as it is typed -------------------------------

ONCE = re.compile(r'name="_once" value="([0-9a-f]{32})"')


def _token(response):
    found = ONCE.search(response.content.decode())
    assert found, "the form carries no one-time token"
    return found.group(1)


def test_an_outcome_posted_twice_is_recorded_once(client, case):
    client.force_login(case["owner"])
    data = reconviction(case, _once=_token(client.get(record_url(case))))
    first = client.post(record_url(case), data)
    second = client.post(record_url(case), data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert OutcomeEvent.objects.count() == 1


def test_a_follow_up_posted_twice_is_recorded_once_and_says_so(client, case):
    client.force_login(case["owner"])
    data = check(case, _once=_token(client.get(follow_up_url(case))))
    first = client.post(follow_up_url(case), data)
    second = client.post(follow_up_url(case), data)
    assert first.status_code == second.status_code == 302
    assert FollowUpCheck.objects.count() == 1


def test_only_the_coordinator_may_autosave_an_outcome_note(client, case):
    client.force_login(case["other_coordinator"])
    response = client.post(record_url(case), {"note": "Typed"}, HTTP_X_COSA_DRAFT="save")
    assert response.status_code == 404
    assert not Draft.objects.exists()
    client.force_login(case["owner"])
    response = client.post(record_url(case), {"note": "Typed"}, HTTP_X_COSA_DRAFT="save")
    assert response.status_code == 204
    assert Draft.objects.get().core_member_ref == case["core_member"].pk
    assert not OutcomeEvent.objects.exists()


def test_a_follow_up_note_autosaved_comes_back_on_the_page(client, case):
    client.force_login(case["owner"])
    client.post(follow_up_url(case), {"note": "Rang the PPU (fictional)"}, HTTP_X_COSA_DRAFT="save")
    draft = Draft.objects.get()
    assert (draft.circle_ref, draft.core_member_ref) == (case["circle"].pk, case["core_member"].pk)
    page = client.get(follow_up_url(case)).content.decode()
    assert "Rang the PPU (fictional)" in page
    assert "kept what you were typing" in page
