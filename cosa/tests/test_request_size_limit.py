"""The whole request body is limited before it is read (cosa.middleware).

Each document is checked for size by the form, but only after Django has taken
the whole body in; these requests declare (or stream) more than the most any form
accepts, and are refused with 413 before the body is read, whoever sends them.
"""

import io

import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone

from coreMembers.models import Referral, ReferralDocument

PDF = b"%PDF-1.4\n% fictional referral form\n"
REFERRAL_CREATE = reverse("core_members:referral_create")
HUNDRED_MB = 100 * 1024 * 1024


class Body(io.RawIOBase):
    """A request body of ``size`` bytes made on demand; remembers how much was read."""

    def __init__(self, size, content=b""):
        self.size, self.content, self.read_bytes = size, content, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.read_bytes)
        start = self.read_bytes
        chunk = self.content[start : start + count]
        chunk += b"\0" * (count - len(chunk))
        buffer[:count] = chunk
        self.read_bytes += count
        return count


def _referral_data(agency, **extra):
    return {
        "first_name": "Norman",
        "last_name": "Newcombe",
        "date_of_birth": "1968-04-02",
        "source_agency": agency.pk,
        "referrer_name": "Rita Referrer",
        "received_on": timezone.localdate().isoformat(),
        "reason": "Released last month; no family contact.",
        **extra,
    }


def _post(client, body_stream, *, content_length, chunked=False, path=REFERRAL_CREATE, **extra):
    headers = {"HTTP_TRANSFER_ENCODING": "chunked"} if chunked else {}
    return client.generic(
        "POST",
        path,
        data=b"x",  # replaced below: the test client would otherwise send its own
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=content_length,
        **{"wsgi.input": body_stream},
        **headers,
        **extra,
    )


def test_the_limit_is_every_document_a_form_takes_plus_the_fields():
    assert settings.COSA_REQUEST_MAX_BYTES == 5 * 10 * 1024 * 1024 + 1024 * 1024
    assert "cosa.middleware.RequestSizeLimitMiddleware" in settings.MIDDLEWARE[:3]


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["203.0.113.7", "198.51.100.23", "2001:db8::5"])
def test_a_large_content_length_is_refused_unread_even_before_login(client, address):
    body = Body(64)
    response = _post(client, body, content_length=str(HUNDRED_MB), REMOTE_ADDR=address)
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert "Too much to upload at once" in response.content.decode()
    assert "larger than 51 MB" in response.content.decode()
    assert response["Content-Security-Policy"]  # still a page of this site


@pytest.mark.django_db
def test_a_large_content_length_on_the_upload_page_saves_nothing(client, coordinator, agency):
    client.force_login(coordinator)
    body = Body(64)
    limit = settings.COSA_REQUEST_MAX_BYTES
    for path in (REFERRAL_CREATE, "/admin/core_members/referraldocument/add/", "/no-such-page/"):
        response = _post(client, body, content_length=str(limit + 1), path=path)
        assert response.status_code == 413, path
    assert body.read_bytes == 0
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_chunked_body_is_counted_and_refused_once_past_the_limit(client, coordinator):
    client.force_login(coordinator)
    body = Body(HUNDRED_MB)
    response = _post(client, body, content_length="", chunked=True)
    assert response.status_code == 413
    assert "Too much to upload at once" in response.content.decode()
    # Reading stopped at the limit: the rest of the 100 MB was never taken in.
    assert body.read_bytes <= settings.COSA_REQUEST_MAX_BYTES + 64 * 1024
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_chunked_upload_within_the_limit_is_received_whole(
    client, coordinator, agency, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(coordinator)
    document = io.BytesIO(PDF)
    document.name = "Referral form.pdf"
    payload = encode_multipart(BOUNDARY, _referral_data(agency, documents=[document]))
    response = _post(client, Body(len(payload), payload), content_length="", chunked=True)
    assert response.status_code == 302
    stored = ReferralDocument.objects.get()
    assert stored.file.read() == PDF


@pytest.mark.django_db
def test_a_body_within_the_limit_goes_through(client, coordinator, agency, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(coordinator)
    document = io.BytesIO(PDF)
    document.name = "Referral form.pdf"
    response = client.post(REFERRAL_CREATE, _referral_data(agency, documents=[document]))
    assert response.status_code == 302
    assert ReferralDocument.objects.count() == 1
