"""A departing coordinator's whole caseload moves to another coordinator in one step."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles import services
from circles.access import circles_visible_to
from circles.models import Circle
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


def _coordinator_ids(caseload):
    """Who coordinates the caseload's circles, as saved (not the fixture's objects)."""
    pks = [circle.pk for circle in caseload["circles"]]
    return set(Circle.objects.filter(pk__in=pks).values_list("coordinator_id", flat=True))


@pytest.mark.parametrize("method", ["get", "post"])
def test_anyone_but_a_manager_gets_404(client, coordinator, other_coordinator, caseload, method):
    for user in (coordinator, other_coordinator, ActiveVolunteerFactory().user):
        client.force_login(user)
        response = getattr(client, method)(_url(coordinator), {"to": other_coordinator.pk})
        assert response.status_code == 404
    assert _coordinator_ids(caseload) == {coordinator.pk}


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
    assert _coordinator_ids(caseload) == {coordinator.pk}


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
    choose = "Choose an active coordinator from the list."
    for data, error in (
        ({"to": coordinator.pk}, choose),
        ({"to": "x"}, choose),
        ({}, "This field is required."),
        ({"to": "999999"}, choose),
    ):
        response = client.post(_url(coordinator), data)
        assert response.status_code == 200
        # The page always says which fields are "required": the error itself must show.
        body = response.content.decode()
        assert "There is a problem" in body
        assert error in body
    assert _coordinator_ids(caseload) == {coordinator.pk}


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
