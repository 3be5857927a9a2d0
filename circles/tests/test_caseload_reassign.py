"""A departing coordinator's whole caseload moves to another coordinator in one step."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles import services
from circles.access import circles_visible_to
from circles.tests.factories import launchable_circle
from coreMembers.access import core_members_visible_to
from coreMembers.models import Referral
from coreMembers.tests.factories import ReferralFactory
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseload(coordinator):
    circles = [launchable_circle(coordinator=coordinator, volunteers=1) for _ in range(2)]
    waiting = ReferralFactory(
        status=Referral.Status.RECEIVED,
        coordinator=coordinator,
        core_member__coordinator=coordinator,
    )
    return {"circles": circles, "referral": waiting}


def _url(coordinator):
    return reverse("circles:caseload_reassign", args=[coordinator.pk])


@pytest.mark.parametrize("method", ["get", "post"])
def test_anyone_but_a_manager_gets_404(client, coordinator, other_coordinator, caseload, method):
    for user in (coordinator, other_coordinator, ActiveVolunteerFactory().user):
        client.force_login(user)
        response = getattr(client, method)(_url(coordinator), {"to": other_coordinator.pk})
        assert response.status_code == 404
    assert all(c.coordinator == coordinator for c in caseload["circles"])


def test_a_liaison_gets_404(client, liaison, coordinator, caseload):
    client.force_login(liaison)
    assert client.get(_url(coordinator)).status_code == 404


def test_a_manager_is_not_a_caseload_owner(client, manager):
    client.force_login(manager)
    assert client.get(_url(manager)).status_code == 404


def test_the_confirmation_lists_what_will_move(client, manager, coordinator, caseload):
    client.force_login(manager)
    response = client.get(_url(coordinator))
    assert response.status_code == 200
    body = response.content.decode()
    for circle in caseload["circles"]:
        assert circle.name in body
        assert circle.core_member.reference in body
    assert caseload["referral"].core_member.reference in body
    # Nothing moved by looking.
    assert all(c.coordinator_id == coordinator.pk for c in caseload["circles"])


def test_the_manager_moves_everything_with_its_access(
    client, manager, coordinator, other_coordinator, caseload
):
    client.force_login(manager)
    response = client.post(_url(coordinator), {"to": other_coordinator.pk})
    assert response.status_code == 302
    for circle in caseload["circles"]:
        circle.refresh_from_db()
        circle.core_member.refresh_from_db()
        assert circle.coordinator == other_coordinator
        assert circle.core_member.coordinator == other_coordinator
    caseload["referral"].refresh_from_db()
    assert caseload["referral"].coordinator == other_coordinator
    assert not circles_visible_to(coordinator).exists()
    assert not core_members_visible_to(coordinator).exists()
    assert circles_visible_to(other_coordinator).count() == 2
    assert core_members_visible_to(other_coordinator).count() == 3
    history = caseload["circles"][0].history.first()
    assert history.history_user == manager
    page = client.get(response["Location"]).content.decode()
    assert "caseload moved: 3 Core Members, 2 circles, 3 referrals" in page


def test_bad_input_is_a_form_error_and_nothing_moves(client, manager, coordinator, caseload):
    client.force_login(manager)
    for data in ({"to": coordinator.pk}, {"to": "x"}, {}, {"to": "999999"}):
        response = client.post(_url(coordinator), data)
        assert response.status_code == 200
        assert "Choose" in response.content.decode() or "required" in response.content.decode()
    assert all(c.coordinator_id == coordinator.pk for c in caseload["circles"])


def test_only_a_manager_may_call_the_service(coordinator, other_coordinator, caseload):
    with pytest.raises(ValidationError):
        services.caseload_reassign(
            coordinator=coordinator, to=other_coordinator, acting_user=other_coordinator
        )


def test_the_confirmation_query_count_does_not_grow(client, manager, coordinator, caseload):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as small:
        client.get(_url(coordinator))
    for _ in range(3):
        launchable_circle(coordinator=coordinator, volunteers=1)
    with CaptureQueriesContext(connection) as large:
        response = client.get(_url(coordinator))
    assert len(response.context["caseload"].circles) == 5
    assert len(large) == len(small)
