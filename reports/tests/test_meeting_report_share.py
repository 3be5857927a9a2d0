"""Sending a meeting report is a disclosure: a shared record, and its PDF and Word copies."""

import io
import re

import docx
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AccessLog
from cosa import documents
from reports.tests.meeting_report_support import assert_no_volunteer_name
from sharing.models import InformationSharingRecord


def _share_url(core_member):
    return reverse("reports:meeting_report_share", args=[core_member.pk, "mappa"])


def _form_fields(client, url):
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _share(client, world, recipients):
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    url = _share_url(core_member)
    fields = _form_fields(client, url)
    return client.post(url, {**fields, "recipients": [u.pk for u in recipients]})


def test_the_report_is_shared_as_an_immutable_record_through_the_sharing_service(client, world):
    core_member = world.objects["core_member"]
    liaison = world.users["liaison_assigned"]
    concern = world.objects["concern"]
    concern.description = "Ivy Inside saw him near the school."
    concern.save(update_fields=["description"])
    before = InformationSharingRecord.objects.count()
    response = _share(client, world, [liaison])
    assert response.status_code == 302
    record = InformationSharingRecord.objects.order_by("-pk").first()
    assert InformationSharingRecord.objects.count() == before + 1
    assert record.status == InformationSharingRecord.Status.SHARED
    assert record.summary.startswith("MAPPA meeting preparation report, ")
    assert "OFFICIAL-SENSITIVE" in record.details and "Attendance" in record.details
    assert "Volunteer A saw him" in record.details
    assert_no_volunteer_name(record.details)
    assert list(record.recipients.values_list("liaison", flat=True)) == [liaison.pk]
    assert record.recipients.get().acknowledge_due_at is not None
    assert AccessLog.objects.filter(action=AccessLog.Action.SHARE, object_id=str(record.pk))
    # The recipient reads it, as PDF and Word, drawn from the frozen text.
    client.force_login(liaison)
    pdf = client.get(reverse("sharing:record_pdf", args=[record.pk]))
    assert pdf.status_code == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages]
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)
    whole = "\n".join(pages)
    assert core_member.reference in whole and "Volunteer A saw him" in whole
    assert_no_volunteer_name(whole)
    word = client.get(reverse("sharing:record_docx", args=[record.pk]))
    text = documents.docx_text(word.content)
    assert "Volunteer A saw him" in text
    assert_no_volunteer_name(text)
    assert (
        "OFFICIAL-SENSITIVE"
        in docx.Document(io.BytesIO(word.content)).sections[0].header.paragraphs[0].text
    )
    exports = AccessLog.objects.filter(
        action=AccessLog.Action.EXPORT, user=liaison, object_id=str(record.pk)
    )
    assert sorted(exports.values_list("detail", flat=True)) == [
        "printable record docx",
        "printable record pdf",
    ]
    # Later concerns change the report, never what was sent.
    concern.description = "Changed afterwards."
    concern.save(update_fields=["description"])
    record.refresh_from_db()
    assert "Volunteer A saw him" in record.details


def test_a_liaison_the_agreement_does_not_cover_cannot_receive_it(client, world):
    before = InformationSharingRecord.objects.count()
    response = _share(client, world, [world.users["liaison_unassigned"]])
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert InformationSharingRecord.objects.count() == before


def test_without_a_current_agreement_nothing_can_be_sent(client, world):
    core_member = world.objects["core_member"]
    core_member.sharing_agreements.update(
        withdrawn_on=timezone.localdate(), withdrawal_reason="Fictional withdrawal."
    )
    before = InformationSharingRecord.objects.count()
    response = _share(client, world, [world.users["liaison_assigned"]])
    assert response.status_code == 200
    assert "cannot be sent on consent" in response.content.decode()
    assert InformationSharingRecord.objects.count() == before


def test_a_double_submit_shares_once(client, world):
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    url = _share_url(core_member)
    fields = _form_fields(client, url)
    data = {**fields, "recipients": [world.users["liaison_assigned"].pk]}
    before = InformationSharingRecord.objects.count()
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert InformationSharingRecord.objects.count() == before + 1


def test_outsiders_get_no_record_document(client, world):
    record = world.objects["record"]
    for actor, status in (
        ("other_coordinator", 404),
        ("liaison_unassigned", 404),
        ("volunteer_in_circle", 404),
    ):
        client.force_login(world.users[actor])
        for name in ("sharing:record_pdf", "sharing:record_docx"):
            assert client.get(reverse(name, args=[record.pk])).status_code == status
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
