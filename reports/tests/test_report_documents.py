"""The reports as PDF and Word: read back, marked on every page, no volunteer named."""

import io
import zipfile

import docx
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from pypdf import PdfReader

from accounts.models import AccessLog
from circles import services as circle_services
from cosa import documents
from reports import documents as report_documents
from reports import services
from reports.models import ReportTemplate
from reports.tests.meeting_report_support import add_rated_meetings, assert_no_volunteer_name


def _pdf_pages(content):
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _docx(content):
    return docx.Document(io.BytesIO(content))


def _download(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(f"reports:{name}", args=args))


def _busy_circle(world):
    """Enough meetings and concerns for a report of several pages; names in the text."""
    circle = world.objects["circle"]
    volunteer = world.users["volunteer_in_circle"]
    add_rated_meetings(circle, volunteer, [0, 1, 2, 3, 2, 1, 0], start_days_ago=55)
    for index in range(25):
        circle_services.concern_raise(
            circle=circle,
            acting_user=volunteer,
            category="WELLBEING",
            severity="AMBER",
            description=f"Ivy Inside noticed he was tired ({index}); Lena agreed. " * 3,
        )
    return circle


# PDF --------------------------------------------------------------------------------------


def test_the_mappa_pdf_is_marked_on_every_page_and_names_no_volunteer(client, world):
    _busy_circle(world)
    core_member = world.objects["core_member"]
    response = _download(
        client, world.users["owner"], "meeting_report_pdf", core_member.pk, "mappa"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pages = _pdf_pages(response.content)
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number  # header and footer
        assert_no_volunteer_name(text)
    whole = "\n".join(pages)
    assert core_member.reference in whole
    assert "MAPPA meeting preparation report" in whole
    assert "Attendance" in whole and "Dynamic-risk ratings" in whole
    assert "Volunteer A" in whole
    # PDF/UA-1: tagged, and says so in its metadata.
    root = PdfReader(io.BytesIO(response.content)).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.core_member_id == core_member.pk and log.detail.endswith("(pdf)")


def test_the_offender_manager_update_pdf_and_docx(client, world):
    core_member = world.objects["core_member"]
    manager = world.users["manager"]
    pdf = _download(client, manager, "meeting_report_pdf", core_member.pk, "om-update")
    assert "Offender manager update" in "\n".join(_pdf_pages(pdf.content))
    word = _download(client, manager, "meeting_report_docx", core_member.pk, "om-update")
    assert "Offender manager update" in documents.docx_text(word.content)
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=manager).count() == 2


def test_the_fetcher_serves_only_the_projects_static_files():
    fetcher = documents.static_fetcher()
    css = fetcher.fetch(documents.BASE_URL + "static/css/report-pdf.css")
    # The project's own file, byte for byte.
    assert css.read() == (settings.BASE_DIR / "static/css/report-pdf.css").read_bytes()
    assert css.content_type == "text/css"
    for url in (
        "https://example.org/static/css/report-pdf.css",
        "file:///etc/passwd",
        documents.BASE_URL + "static/../cosa/settings.py",
        documents.BASE_URL + "static/%2e%2e/cosa/settings.py",
        documents.BASE_URL + "media/referrals/x.pdf",
        documents.BASE_URL + "static/css/report-pdf.css?x=1",
        "data:text/plain,hello",
    ):
        with pytest.raises(ValueError, match="only the project's own static files"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7


def test_a_pdf_never_loads_what_its_html_points_at_outside_static():
    fetcher = documents.static_fetcher()
    html = (
        '<html lang="en"><head><title>t</title>'
        '<link rel="stylesheet" href="/static/css/report-pdf.css"></head>'
        '<body><img src="file:///etc/passwd" alt="x"><img src="https://example.org/a.png" alt="y">'
        "<p>Hello</p></body></html>"
    )
    content = documents.pdf_from_html(html, url_fetcher=fetcher)
    assert "Hello" in _pdf_pages(content)[0]
    assert "file:///etc/passwd" in fetcher.refused
    assert "https://example.org/a.png" in fetcher.refused
    assert not any("report-pdf.css" in url for url in fetcher.refused)


# Word -------------------------------------------------------------------------------------


def test_the_mappa_docx_is_marked_in_header_and_footer_and_names_no_volunteer(client, world):
    _busy_circle(world)
    core_member = world.objects["core_member"]
    response = _download(
        client, world.users["owner"], "meeting_report_docx", core_member.pk, "mappa"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX_MIME
    document = _docx(response.content)
    for section in document.sections:
        assert "OFFICIAL-SENSITIVE" in section.header.paragraphs[0].text
        assert "OFFICIAL-SENSITIVE" in section.footer.paragraphs[0].text
    text = documents.docx_text(response.content)
    assert core_member.reference in text and "Low mood: first 0" in text
    assert "Volunteer A" in text
    assert_no_volunteer_name(text)
    assert AccessLog.objects.filter(detail__endswith="(docx)").count() == 1


def test_the_word_context_names_no_volunteer(world):
    from reports.meeting_report import build
    from reports.queries import Period

    _busy_circle(world)
    core_member = world.objects["core_member"]
    report = build(core_member, Period.default(), "mappa")
    context = report_documents.docx_context(report)
    assert_no_volunteer_name(repr(context))
    assert "chart" not in repr(context)


# The end-of-circle report ------------------------------------------------------------------


def test_the_end_of_circle_report_as_pdf_and_docx(client, world):
    circle = world.objects["circle"]
    owner = world.users["owner"]
    pdf = _download(client, owner, "circle_end_pdf", circle.pk)
    assert pdf.status_code == 200
    pages = _pdf_pages(pdf.content)
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)
    whole = "\n".join(pages)
    assert "Tuesday circle" in whole and "Volunteer D" in whole
    assert_no_volunteer_name(whole)
    word = _download(client, owner, "circle_end_docx", circle.pk)
    text = documents.docx_text(word.content)
    assert "Tuesday circle" in text and "OFFICIAL-SENSITIVE" in text
    assert_no_volunteer_name(text)
    details = set(
        AccessLog.objects.filter(action=AccessLog.Action.EXPORT).values_list("detail", flat=True)
    )
    assert details == {"end-of-circle report pdf", "end-of-circle report docx"}


def test_outsiders_get_no_end_of_circle_document(client, world):
    circle = world.objects["circle"]
    for actor, status in (
        ("other_coordinator", 404),
        ("liaison_assigned", 404),
        ("volunteer_in_circle", 403),
    ):
        for name in ("circle_end_pdf", "circle_end_docx"):
            response = _download(client, world.users[actor], name, circle.pk)
            assert response.status_code == status, (actor, name)
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# The organisation's templates ---------------------------------------------------------------


def _template(*paragraphs, external=False):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if external:
        document.part.relate_to("https://tracker.example/pixel.png", RT.IMAGE, is_external=True)
        document.part.relate_to("file:///etc/passwd", RT.HYPERLINK, is_external=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rels(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return "".join(
        archive.read(name).decode() for name in archive.namelist() if name.endswith(".rels")
    )


def test_an_uploaded_template_loses_its_external_relationships_and_is_used(client, world):
    manager = world.users["manager"]
    core_member = world.objects["core_member"]
    content = _template(
        "Northshire CoSA: {{ core_member.reference }}",
        "Held {{ attendance.held }}; {{ volunteers[0].name }}",
        external=True,
    )
    assert 'TargetMode="External"' in _rels(content)
    client.force_login(manager)
    response = client.post(
        reverse("reports:templates"),
        {
            "kind": "mappa",
            "file": SimpleUploadedFile("ours.docx", content, documents.DOCX_MIME),
            **_token(client),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = ReportTemplate.objects.get()
    assert stored.stripped_relationships == 2
    rels = _rels(bytes(stored.content))
    assert "External" not in rels and "tracker.example" not in rels and "/etc/passwd" not in rels
    word = client.get(reverse("reports:meeting_report_docx", args=[core_member.pk, "mappa"]))
    text = documents.docx_text(word.content)
    assert f"Northshire CoSA: {core_member.reference}" in text
    assert "Volunteer A" in text
    assert_no_volunteer_name(text)
    # Back to the built-in one.
    client.post(reverse("reports:template_retire", args=["mappa"]))
    word = client.get(reverse("reports:meeting_report_docx", args=[core_member.pk, "mappa"]))
    assert "Northshire" not in documents.docx_text(word.content)


def _token(client):
    """The one-time token and safety fields the upload page's form carries."""
    import re

    page = client.get(reverse("reports:templates")).content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def test_a_template_cannot_reach_python_internals(world):
    manager = world.users["manager"]
    for probe in (
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ core_member.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
    ):
        with pytest.raises(ValidationError, match="cannot be filled in"):
            services.report_template_upload(
                kind="mappa", name="x.docx", content=_template(probe), acting_user=manager
            )
        sample = report_documents.sample_report("mappa")
        with pytest.raises(ValidationError, match="unsafe|undefined"):
            documents.docx_render(_template(probe), sample)
    assert not ReportTemplate.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 not a word file", "not a Word document"),
        (b"x" * (documents.DOCX_MAX_BYTES + 1), "too large"),
    ],
)
def test_what_is_not_a_docx_is_refused_clearly(world, content, message):
    with pytest.raises(ValidationError, match=message):
        services.report_template_upload(
            kind="mappa", name="x.docx", content=content, acting_user=world.users["manager"]
        )
    assert not ReportTemplate.objects.exists()


def test_a_zip_without_a_document_or_with_a_typo_is_refused(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError, match="no document part"):
        documents.docx_clean_upload(out.getvalue())
    with pytest.raises(ValidationError, match="cannot be filled in"):
        services.report_template_upload(
            kind="mappa",
            name="x.docx",
            content=_template("{{ core_member.reference }"),
            acting_user=world.users["manager"],
        )
    with pytest.raises(ValidationError, match="cannot be filled in"):
        services.report_template_upload(
            kind="mappa",
            name="x.docx",
            content=_template("{{ no_such_thing }}"),
            acting_user=world.users["manager"],
        )


def test_only_a_manager_reaches_the_templates(client, world):
    for actor in ("owner", "liaison_assigned", "volunteer_in_circle"):
        client.force_login(world.users[actor])
        assert client.get(reverse("reports:templates")).status_code == 404
        assert client.post(reverse("reports:template_retire", args=["mappa"])).status_code == 404
        builtin = reverse("reports:template_builtin", args=["mappa"])
        assert client.get(builtin).status_code == 404
    client.force_login(world.users["manager"])
    page = client.get(reverse("reports:templates"))
    assert page.status_code == 200 and "Built-in" in page.content.decode()
    builtin = client.get(reverse("reports:template_builtin", args=["circle_end"]))
    assert "{{ circle.name }}" in documents.docx_text(builtin.content)
