"""Listing, filing and downloading documents: outsiders first, then the owners."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cosa import uploads
from documents.models import Document
from documents.tests.factories import PDF, add_document, pdf, stored_files

pytestmark = pytest.mark.django_db


def _owner(world, kind):
    return {
        "core_member": world.objects["core_member"],
        "circle": world.objects["circle"],
        "volunteer": world.objects["volunteer"],
    }[kind]


def _urls(kind, owner, document):
    return [
        reverse(f"documents:{kind}_list", args=[owner.pk]),
        reverse(f"documents:{kind}_add", args=[owner.pk]),
        reverse(f"documents:{kind}_download", args=[owner.pk, document.pk]),
    ]


# Who never sees a record's documents: 404 on the list, the upload and the download.
OUTSIDERS = {
    "core_member": [
        "other_coordinator",
        "volunteer_in_circle",
        "volunteer_other_circle",
        "liaison_unassigned",
    ],
    "circle": [
        "other_coordinator",
        "volunteer_other_circle",
        "volunteer_left",
        "liaison_assigned",
        "liaison_unassigned",
    ],
    "volunteer": [
        "volunteer_other_circle",
        "liaison_assigned",
        "liaison_unassigned",
    ],
}


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_outsiders_get_404_on_list_upload_and_download(client, world, media, kind):
    owner = _owner(world, kind)
    document = add_document(owner, world.users["owner"], title="Zebediah's letter")
    for name in OUTSIDERS[kind]:
        client.force_login(world.users[name])
        for url in _urls(kind, owner, document):
            assert client.get(url).status_code == 404, (name, url)
        response = client.post(_urls(kind, owner, document)[1], {"file": pdf()})
        assert response.status_code == 404, name
    assert Document.objects.count() == 1
    assert not AccessLog.objects.filter(object_type="documents.document").exists()


# Who sees the record but not its documents: told so (403), and shown nothing.
NOT_FOR_THEM = {
    # An assigned liaison sees his identity and what was shared with them, no papers.
    "core_member": "liaison_assigned",
    # A volunteer's references are for staff, like the references on the volunteer page.
    "volunteer": "volunteer_in_circle",
}


@pytest.mark.parametrize("kind", NOT_FOR_THEM)
def test_those_who_see_the_record_but_not_its_documents_get_403(client, world, media, kind):
    owner = _owner(world, kind)
    document = add_document(owner, world.users["owner"], title="Zebediah's letter")
    client.force_login(world.users[NOT_FOR_THEM[kind]])
    for url in _urls(kind, owner, document):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Zebediah" not in response.content
    assert client.post(_urls(kind, owner, document)[1], {"file": pdf()}).status_code == 403
    assert Document.objects.count() == 1


def test_a_document_of_another_record_is_404_through_this_one(client, world, media):
    circle, other = world.objects["circle"], world.objects["other_circle"]
    theirs = add_document(other, world.users["other_coordinator"])
    client.force_login(world.users["owner"])
    url = reverse("documents:circle_download", args=[circle.pk, theirs.pk])
    assert client.get(url).status_code == 404


def test_a_circles_volunteer_reads_its_documents_but_does_not_add(client, world, media):
    circle = world.objects["circle"]
    document = add_document(circle, world.users["owner"], category="COVENANT")
    client.force_login(world.users["volunteer_in_circle"])
    assert client.get(reverse("documents:circle_list", args=[circle.pk])).status_code == 200
    download = reverse("documents:circle_download", args=[circle.pk, document.pk])
    assert client.get(download).status_code == 200
    add = reverse("documents:circle_add", args=[circle.pk])
    assert client.get(add).status_code == 403
    assert client.post(add, {"file": pdf()}).status_code == 403
    assert Document.objects.count() == 1


def _upload_data(**overrides):
    data = {
        "category": "LICENCE_CONDITIONS",
        "document_date": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
        "title": "Licence conditions from probation",
        "file": pdf(),
    }
    data.update(overrides)
    return data


def _token(client, url):
    return re.search(rb'name="_once" value="([0-9a-f]+)"', client.get(url).content).group(1)


def test_the_coordinator_files_a_document_from_the_core_member_page(client, world, media):
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    page = reverse("core_members:detail", args=[core_member.pk])
    token = _token(client, page)
    add = reverse("documents:core_member_add", args=[core_member.pk])
    response = client.post(add, {**_upload_data(), "_once": token.decode()})
    assert response.status_code == 302
    assert response["Location"] == f"{page}#documents"
    document = Document.objects.get()
    assert document.core_member == core_member
    assert document.uploaded_by == world.users["owner"]
    assert document.original_name == "Licence conditions.pdf"
    # Stored under MEDIA_ROOT by a random name: nothing of the person in the path.
    (path,) = stored_files(media)
    assert "Licence" not in path.name and path.suffix == ".pdf"
    assert b"Licence conditions from probation" in client.get(page).content


def test_the_same_form_posted_twice_files_one_document(client, world, media):
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    add = reverse("documents:core_member_add", args=[core_member.pk])
    token = _token(client, add).decode()
    first = client.post(add, {**_upload_data(), "_once": token})
    again = client.post(add, {**_upload_data(), "_once": token})
    assert first.status_code == again.status_code == 302
    assert Document.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_the_same_file_resent_without_a_token_files_one_document(client, world, media):
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    add = reverse("documents:core_member_add", args=[core_member.pk])
    client.post(add, _upload_data())
    client.post(add, _upload_data())
    assert Document.objects.count() == 1
    # A different file is a different document.
    client.post(add, _upload_data(file=pdf(content=PDF + b"page two")))
    assert Document.objects.count() == 2


def test_a_file_that_is_not_what_its_name_says_is_refused(client, world, media):
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    add = reverse("documents:core_member_add", args=[core_member.pk])
    html = pdf("conditions.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(add, _upload_data(file=html))
    assert response.status_code == 200
    assert "is not really a PDF file" in " ".join(response.context["form"].errors["file"])
    exe = pdf("conditions.exe", b"MZ\x90\x00")
    response = client.post(add, _upload_data(file=exe))
    assert "is not an accepted format" in " ".join(response.context["form"].errors["file"])
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused(client, world, media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_BYTES", 10)
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    add = reverse("documents:core_member_add", args=[core_member.pk])
    response = client.post(add, _upload_data())
    assert response.status_code == 200
    assert "is larger than 10 bytes" in " ".join(response.context["form"].errors["file"])
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_category_not_filed_on_this_record_or_a_future_date_is_refused(client, world, media):
    circle = world.objects["circle"]
    client.force_login(world.users["owner"])
    add = reverse("documents:circle_add", args=[circle.pk])
    response = client.post(add, _upload_data(category="RISK_SUMMARY"))
    assert "category" in response.context["form"].errors
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(add, _upload_data(category="COVENANT", document_date=tomorrow))
    assert "document_date" in response.context["form"].errors
    assert not Document.objects.exists()


def test_a_download_is_an_attachment_with_safe_headers_and_is_logged(client, world, media):
    core_member = world.objects["core_member"]
    manager = world.users["manager"]
    document = add_document(core_member, world.users["owner"], category="RISK_SUMMARY")
    client.force_login(manager)
    response = client.get(
        reverse("documents:core_member_download", args=[core_member.pk, document.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Licence_conditions.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get(user=manager, object_type="documents.document")
    assert log.action == AccessLog.Action.VIEW
    assert log.core_member_id == core_member.pk


def test_a_file_gone_from_storage_is_404_not_500(client, world, media):
    core_member = world.objects["core_member"]
    document = add_document(core_member, world.users["owner"])
    document.file.storage.delete(document.file.name)
    client.force_login(world.users["owner"])
    url = reverse("documents:core_member_download", args=[core_member.pk, document.pk])
    assert client.get(url).status_code == 404


def test_the_volunteer_page_shows_staff_the_documents_and_not_the_volunteer(client, world, media):
    volunteer = world.objects["volunteer"]
    add_document(volunteer, world.users["owner"], category="REFERENCE", title="Reference letter")
    page = reverse("volunteers:detail", args=[volunteer.pk])
    client.force_login(world.users["owner"])
    assert b"Reference letter" in client.get(page).content
    client.force_login(volunteer.user)
    response = client.get(page)
    assert response.status_code == 200
    assert b"Reference letter" not in response.content
    assert b'id="documents"' not in response.content


def test_the_liaison_page_has_no_documents(client, world, media):
    core_member = world.objects["core_member"]
    add_document(core_member, world.users["owner"], title="Marmalade letter")
    client.force_login(world.users["liaison_assigned"])
    response = client.get(reverse("core_members:detail", args=[core_member.pk]))
    assert response.status_code == 200
    assert b"Marmalade letter" not in response.content


# Query counts ------------------------------------------------------------------------------


def _count(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


LIST_QUERIES = 12


@pytest.mark.parametrize("kind", ["core_member", "circle", "volunteer"])
def test_the_list_page_queries_do_not_grow(
    client, world, media, kind, django_assert_max_num_queries
):
    owner = _owner(world, kind)
    client.force_login(world.users["manager"])
    url = reverse(f"documents:{kind}_list", args=[owner.pk])
    add_document(owner, world.users["owner"], content=PDF + b"0")
    few = _count(client, url, django_assert_max_num_queries, LIST_QUERIES)
    for n in range(1, 8):
        add_document(owner, world.users["manager"], content=PDF + str(n).encode())
    assert _count(client, url, django_assert_max_num_queries, LIST_QUERIES) == few


PAGES = {
    "core_member": "core_members:detail",
    "circle": "circles:detail",
    "volunteer": "volunteers:detail",
}


@pytest.mark.parametrize("kind", PAGES)
def test_the_section_adds_the_same_queries_at_one_and_twelve_documents(
    client, world, media, kind, django_assert_max_num_queries
):
    owner = _owner(world, kind)
    client.force_login(world.users["owner"])
    url = reverse(PAGES[kind], args=[owner.pk])
    add_document(owner, world.users["owner"], content=PDF + b"0")
    few = _count(client, url, django_assert_max_num_queries, 40)
    for n in range(1, 12):
        add_document(owner, world.users["owner"], content=PDF + str(n).encode())
    response = client.get(url)
    assert b"All 12 documents" in response.content
    assert _count(client, url, django_assert_max_num_queries, 40) == few
