"""Nothing typed on a claim is lost to an idle logout: the claim form and the decision."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SEEN_AT
from formpages.models import Draft
from volunteering.models import ExpenseClaim
from volunteering.tests.factories import MileageClaimFactory, coordinated_membership

pytestmark = pytest.mark.django_db

REASON = "The drive was claimed last week already (fictional)."


@pytest.fixture
def membership():
    return coordinated_membership()


def _idle(client):
    session = client.session
    session[SEEN_AT] -= settings.SESSION_IDLE_SECONDS + 1
    session.save()


def _back_after_idle_logout(client, user, url, data):
    """Autosave, go idle, submit (refused: the login page), log in again, open the page."""
    client.force_login(user)
    assert client.get(url).status_code == 200
    assert client.post(url, data, HTTP_X_COSA_DRAFT="save").status_code == 204
    _idle(client)
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "reason=idle" in response["Location"]
    client.force_login(user)
    return client.get(url).content.decode()


def test_an_outsider_cannot_autosave_onto_someone_elses_claim(
    client, membership, other_coordinator
):
    claim = MileageClaimFactory(membership=membership)
    client.force_login(other_coordinator)
    url = reverse("volunteering:claim_detail", args=[claim.pk])
    response = client.post(url, {"decision": "refuse", "reason": REASON}, HTTP_X_COSA_DRAFT="save")
    assert response.status_code == 404
    assert not Draft.objects.exists()


def test_the_decision_form_autosaves_and_comes_back_after_an_idle_logout(client, membership):
    claim = MileageClaimFactory(membership=membership)
    coordinator = membership.circle.coordinator
    url = reverse("volunteering:claim_detail", args=[claim.pk])
    client.force_login(coordinator)
    page = client.get(url).content.decode()
    # The page's script autosaves only a form marked for it.
    assert 'data-draft="on"' in page

    page = _back_after_idle_logout(
        client, coordinator, url, {"decision": "refuse", "reason": REASON}
    )
    assert REASON in page
    # The restored draft's Discard button has its form on the page.
    assert 'form="discard-draft"' in page and 'id="discard-draft"' in page
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.SUBMITTED


def test_the_claim_form_autosaves_and_comes_back_after_an_idle_logout(client, membership):
    volunteer = membership.volunteer.user
    url = reverse("volunteering:claim_new")
    client.force_login(volunteer)
    assert 'data-draft="on"' in client.get(url).content.decode()
    data = {
        "kind": "MILEAGE",
        "circle": membership.circle_id,
        "incurred_on": timezone.localdate().isoformat(),
        "description": "Drive to the Riverside venue and back",
        "miles": "23.5",
    }
    page = _back_after_idle_logout(client, volunteer, url, data)
    assert "Drive to the Riverside venue and back" in page
    assert 'value="23.5"' in page
    assert not ExpenseClaim.objects.exists()


def test_the_same_claim_sent_again_from_a_second_tab_is_refused(client, membership):
    volunteer = membership.volunteer.user
    url = reverse("volunteering:claim_new")
    client.force_login(volunteer)
    data = {
        "kind": "MILEAGE",
        "circle": membership.circle_id,
        "incurred_on": timezone.localdate().isoformat(),
        "description": "Drive to the meeting",
        "miles": "12.5",
    }
    tabs = [client.get(url).content.decode() for _ in range(2)]
    for page in tabs:
        token = re.search(r'name="_once" value="([^"]+)"', page).group(1)
        response = client.post(url, {**data, "_once": token})
    assert response.status_code == 200
    assert "already claimed this expense" in response.content.decode()
    assert ExpenseClaim.objects.count() == 1
    # Another day's drive is a new claim.
    ExpenseClaim.objects.update(incurred_on=timezone.localdate() - datetime.timedelta(days=7))
    token = re.search(r'name="_once" value="([^"]+)"', client.get(url).content.decode()).group(1)
    assert client.post(url, {**data, "_once": token}).status_code == 302
    assert ExpenseClaim.objects.count() == 2
