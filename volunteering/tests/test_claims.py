"""Expense claims: submitted by the volunteer, decided by their coordinator, paid by a manager."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from circles.tests.factories import ActiveCircleFactory
from volunteering.models import ExpenseClaim
from volunteering.tests.factories import MileageClaimFactory, coordinated_membership
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% fictional bus ticket\n"
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def membership():
    return coordinated_membership()


def _mileage(membership, **extra):
    return {
        "kind": "MILEAGE",
        "circle": membership.circle_id,
        "incurred_on": TODAY().isoformat(),
        "description": "Drive to the meeting",
        "miles": "12.5",
        **extra,
    }


def _url(name, *args):
    return reverse(f"volunteering:{name}", args=args)


# Outsiders first --------------------------------------------------------------------------


def test_outsiders_get_404_on_a_claim_and_its_receipt(
    client, membership, liaison, other_coordinator
):
    claim = MileageClaimFactory(membership=membership, description="Private drive")
    outsiders = [ActiveVolunteerFactory().user, liaison, other_coordinator]
    for user in outsiders:
        client.force_login(user)
        for name in ("claim_detail", "claim_receipt"):
            response = client.get(_url(name, claim.pk))
            assert response.status_code == 404, (user, name)
            assert b"Private drive" not in response.content
        assert (
            client.post(_url("claim_detail", claim.pk), {"decision": "approve"}).status_code == 404
        )
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.SUBMITTED


def test_only_volunteers_make_claims_and_only_staff_see_the_queue(client, coordinator, liaison):
    client.force_login(coordinator)
    assert client.get(_url("claim_new")).status_code == 404
    assert client.get(_url("claims")).status_code == 404
    for user in (ActiveVolunteerFactory().user, liaison):
        client.force_login(user)
        assert client.get(_url("queue")).status_code == 404
        assert client.get(_url("payment")).status_code == 404
        assert client.post(_url("payment")).status_code == 404


def test_another_coordinators_queue_does_not_list_the_claim(client, membership, other_coordinator):
    MileageClaimFactory(membership=membership, description="Private drive")
    client.force_login(other_coordinator)
    response = client.get(_url("queue"))
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert b"Private drive" not in response.content
    client.force_login(membership.circle.coordinator)
    assert len(client.get(_url("queue")).context["page"]) == 1


def test_a_volunteer_cannot_decide_their_own_claim(client, membership):
    claim = MileageClaimFactory(membership=membership)
    client.force_login(membership.volunteer.user)
    response = client.post(_url("claim_detail", claim.pk), {"decision": "approve"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.SUBMITTED


# Submitting -------------------------------------------------------------------------------


def test_a_mileage_claim_is_paid_at_the_organisations_rate_and_sent_once(
    client, membership, settings
):
    settings.COSA_MILEAGE_PENCE_PER_MILE = 40
    client.force_login(membership.volunteer.user)
    token = client.get(_url("claim_new")).context["form"].once_token
    first = client.post(_url("claim_new"), _mileage(membership, _once=token))
    second = client.post(_url("claim_new"), _mileage(membership, _once=token))
    claim = ExpenseClaim.objects.get()
    assert first["Location"] == _url("claim_detail", claim.pk)
    assert second.status_code == 302
    assert (claim.miles, claim.pence_per_mile, claim.amount) == (
        Decimal("12.5"),
        40,
        Decimal("5.00"),
    )
    assert claim.circle == membership.circle and claim.status == ExpenseClaim.Status.SUBMITTED
    # The coordinator hears of it.
    assert membership.circle.coordinator.notifications.filter(
        link=_url("claim_detail", claim.pk)
    ).exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"miles": ""}, "miles"),
        ({"miles": "-3"}, "miles"),
        ({"incurred_on": (TODAY() + datetime.timedelta(days=2)).isoformat()}, "incurred_on"),
        ({"description": "   "}, "description"),
        ({"kind": "RECEIPT", "amount": "3.20"}, "receipt"),
        ({"kind": "TAXI"}, "kind"),
    ],
)
def test_bad_claims_are_form_errors_and_nothing_is_written(client, membership, extra, field):
    client.force_login(membership.volunteer.user)
    response = client.post(_url("claim_new"), _mileage(membership, **extra))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ExpenseClaim.objects.exists()


def test_a_claim_for_another_circle_is_refused(client, membership):
    other = ActiveCircleFactory(name="Not mine")
    client.force_login(membership.volunteer.user)
    response = client.post(_url("claim_new"), _mileage(membership, circle=other.pk))
    assert "circle" in response.context["form"].errors
    assert not ExpenseClaim.objects.exists()


def test_a_receipt_that_is_not_what_it_says_is_refused(client, membership):
    client.force_login(membership.volunteer.user)
    fake = SimpleUploadedFile("ticket.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    data = _mileage(membership, kind="RECEIPT", amount="3.20", miles="", receipt=fake)
    response = client.post(_url("claim_new"), data)
    assert "not really a PDF" in str(response.context["form"].errors["receipt"])
    script = SimpleUploadedFile("ticket.html", b"<script>", content_type="text/html")
    data = _mileage(membership, kind="RECEIPT", amount="3.20", miles="", receipt=script)
    response = client.post(_url("claim_new"), data)
    assert "receipt" in response.context["form"].errors
    assert not ExpenseClaim.objects.exists()


def test_a_receipt_is_stored_and_served_to_the_coordinator_as_an_attachment(
    client, membership, media
):
    client.force_login(membership.volunteer.user)
    upload = SimpleUploadedFile("Bus ticket.pdf", PDF, content_type="application/pdf")
    data = _mileage(membership, kind="RECEIPT", amount="3.20", miles="", receipt=upload)
    client.post(_url("claim_new"), data)
    claim = ExpenseClaim.objects.get()
    assert claim.amount == Decimal("3.20") and claim.miles is None
    assert str(media) in claim.receipt.path
    client.force_login(membership.circle.coordinator)
    response = client.get(_url("claim_receipt", claim.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


# Deciding ----------------------------------------------------------------------------------


def test_the_coordinator_approves_a_claim_once(client, membership):
    claim = MileageClaimFactory(membership=membership)
    client.force_login(membership.circle.coordinator)
    response = client.post(_url("claim_detail", claim.pk), {"decision": "approve"})
    assert response["Location"] == _url("queue")
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.APPROVED
    assert claim.decided_by == membership.circle.coordinator
    # A second decision (a double click, a stale tab) changes nothing.
    client.post(_url("claim_detail", claim.pk), {"decision": "refuse", "reason": "Late"})
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.APPROVED and claim.refusal_reason == ""


def test_refusing_needs_a_reason(client, membership):
    claim = MileageClaimFactory(membership=membership)
    client.force_login(membership.circle.coordinator)
    response = client.post(_url("claim_detail", claim.pk), {"decision": "refuse", "reason": " "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.SUBMITTED
    client.post(_url("claim_detail", claim.pk), {"decision": "refuse", "reason": "Not a CoSA trip"})
    claim.refresh_from_db()
    assert (claim.status, claim.refusal_reason) == ("REFUSED", "Not a CoSA trip")


# Paying -------------------------------------------------------------------------------------


def test_the_payment_run_exports_approved_unpaid_claims_once(client, membership, manager):
    approved = MileageClaimFactory(membership=membership, status="APPROVED", description="=SUM(A1)")
    MileageClaimFactory(membership=membership)  # still to decide: not paid
    client.force_login(manager)
    response = client.post(_url("payment"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [str(approved.pk)]
    assert rows[1][4] == "'=SUM(A1)"
    approved.refresh_from_db()
    assert approved.status == ExpenseClaim.Status.PAID and approved.paid_by == manager
    again = client.post(_url("payment"))
    assert len(list(csv.reader(io.StringIO(again.content.decode("utf-8-sig"))))) == 1


def test_a_coordinator_cannot_run_the_payment(client, membership):
    MileageClaimFactory(membership=membership, status="APPROVED")
    client.force_login(membership.circle.coordinator)
    assert client.post(_url("payment")).status_code == 404
    assert ExpenseClaim.objects.get().status == ExpenseClaim.Status.APPROVED


# Query counts -------------------------------------------------------------------------------


# The page's own: the coordinator's circles (grants), the count, the page of claims with
# volunteer and circle; plus the request's bookkeeping (session, user, OTP device, the
# nav's unread count). My claims: the volunteer record, the count, the page.
QUEUE_QUERIES = 7
MY_CLAIMS_QUERIES = 8


def test_the_queue_and_my_claims_do_not_grow_with_rows(client, membership):
    def measure(user, name):
        client.force_login(user)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            response = client.get(_url(name))
            assert response.status_code == 200
            [(c.volunteer.user.get_full_name(), c.circle.name) for c in response.context["page"]]
        return len(context.captured_queries)

    coordinator = membership.circle.coordinator
    MileageClaimFactory(membership=membership)
    few = measure(coordinator, "queue"), measure(membership.volunteer.user, "claims")
    MileageClaimFactory.create_batch(8, membership=membership)
    many = measure(coordinator, "queue"), measure(membership.volunteer.user, "claims")
    assert few == many == (QUEUE_QUERIES, MY_CLAIMS_QUERIES)
