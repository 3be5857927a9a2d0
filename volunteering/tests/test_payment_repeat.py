"""The payment run's button pressed twice: the second response is the same file again."""

import csv
import io
import re

import pytest
from django.urls import reverse

from volunteering.models import ExpenseClaim
from volunteering.tests.factories import MileageClaimFactory, coordinated_membership

pytestmark = pytest.mark.django_db

URL = reverse("volunteering:payment")


def _claim_ids(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


def test_a_coordinator_cannot_replay_a_payment_run(client, manager):
    membership = coordinated_membership()
    MileageClaimFactory(membership=membership, status="APPROVED")
    client.force_login(manager)
    token = re.search(r'name="_once" value="([^"]+)"', client.get(URL).content.decode()).group(1)
    client.post(URL, {"_once": token})
    client.force_login(membership.circle.coordinator)
    assert client.post(URL, {"_once": token}).status_code == 404


def test_a_double_click_on_the_payment_run_downloads_the_same_file_twice(client, manager):
    membership = coordinated_membership()
    claims = [MileageClaimFactory(membership=membership, status="APPROVED") for _ in range(2)]
    client.force_login(manager)
    page = client.get(URL).content.decode()
    token = re.search(r'name="_once" value="([^"]+)"', page).group(1)
    first = _claim_ids(client.post(URL, {"_once": token}))
    second = _claim_ids(client.post(URL, {"_once": token}))
    assert sorted(first) == sorted(str(c.pk) for c in claims)
    assert second == first
    paid_at = set(ExpenseClaim.objects.values_list("paid_at", flat=True))
    assert len(paid_at) == 1 and None not in paid_at
    # A new run (a fresh page) has nothing left to pay.
    token = re.search(r'name="_once" value="([^"]+)"', client.get(URL).content.decode())
    assert token is None or _claim_ids(client.post(URL, {"_once": token.group(1)})) == []
