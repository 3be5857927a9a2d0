"""What even a superuser's admin never shows: a token's digest, a file behind a media URL."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import User
from calendars.models import FeedToken
from cosa.tests.admin_support import one_of_each
from loneworking.models import CheckIn
from volunteering.models import ExpenseClaim

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    one_of_each()
    superuser = User.objects.create_superuser(
        email="root@example.org", password="root-password-123", first_name="R", last_name="Oot"
    )
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", [FeedToken, CheckIn], ids=["FeedToken", "CheckIn"])
def test_no_admin_page_shows_a_tokens_digest(superuser_client, model):
    row = model.objects.first()
    opts = model._meta
    for name in ("changelist", "change"):
        args = [] if name == "changelist" else [row.pk]
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)
        page = superuser_client.get(url).content.decode()
        assert row.token_hash not in page, name
        assert "token_hash" not in page and "Token hash" not in page, name


def test_a_claims_receipt_opens_through_its_guarded_download_only(superuser_client):
    claim = ExpenseClaim.objects.get(kind=ExpenseClaim.Kind.RECEIPT)
    claim.receipt.save("bus-ticket.pdf", ContentFile(b"%PDF-1.4\n% fictional\n"))
    url = reverse("admin:volunteering_expenseclaim_change", args=[claim.pk])
    page = superuser_client.get(url).content.decode()
    assert reverse("volunteering:claim_receipt", args=[claim.pk]) in page
    assert "/media/" not in page and 'name="receipt"' not in page
    # Written by its services only: not even a superuser adds or edits one here.
    add = reverse("admin:volunteering_expenseclaim_add")
    assert superuser_client.get(add).status_code == 403
    superuser_client.post(url, {"description": "Rewritten", "amount": "999.00"})
    claim.refresh_from_db()
    assert claim.description == "Bus fare"
