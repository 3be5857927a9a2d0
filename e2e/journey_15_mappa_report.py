"""Journey 15: a coordinator prepares a MAPPA meeting report from a Core Member's page
and downloads it as PDF and as Word; both read back with the marking on every page and
no volunteer's name."""

import io
import re

import pytest
from docx import Document as WordDocument
from playwright.sync_api import expect
from pypdf import PdfReader

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

MARKING = "OFFICIAL-SENSITIVE"
CALENDAR_WORDS = {"May", "June", "July", "August", "April", "March", "Monday", "Sunday"}


def _case():
    """The coordinator's first open circle: its Core Member and every volunteer's names."""
    from circles.models import Circle

    circle = (
        Circle.objects.open()
        .filter(coordinator=people.user(people.COORDINATOR))
        .select_related("core_member")
        .order_by("pk")
        .first()
    )
    names = set()
    for membership in circle.memberships.select_related("volunteer__user"):
        user = membership.volunteer.user
        names |= {user.get_full_name(), user.last_name}
    # A surname that is also a word of the report's dates ("May") is not a leak.
    return circle.core_member, {n for n in names if len(n) > 2 and n not in CALENDAR_WORDS}


def _download(page, link_name):
    with page.expect_download() as caught:
        page.get_by_role("link", name=link_name).click()
    download = caught.value
    return download.suggested_filename, download.path().read_bytes()


def test_coordinator_downloads_a_mappa_report_as_pdf_and_word(new_page, logins, base_url):
    j = Journey(15, "mappa report pdf and word")
    core_member, volunteer_names = _case()
    assert volunteer_names, "the demo circle has volunteers"
    page = new_page()
    logins.log_in(page, people.COORDINATOR, method="totp", shoot=j.shot)
    page.goto(f"{base_url}/core-members/{core_member.pk}/")
    page.get_by_role("link", name="MAPPA report").click()
    j.see(page, "mappa report", heading="MAPPA meeting preparation report")
    expect(page.get_by_text(MARKING).first).to_be_visible()

    name, pdf = _download(page, "Download PDF")
    assert name.endswith(".pdf"), name
    reader = PdfReader(io.BytesIO(pdf))
    pages = [p.extract_text() for p in reader.pages]
    assert pages and all(MARKING in text for text in pages), "marking on every PDF page"
    text = "\n".join(pages)
    assert "MAPPA meeting preparation report" in text
    assert core_member.reference in text
    leaked = sorted(n for n in volunteer_names if re.search(rf"\b{re.escape(n)}\b", text))
    assert not leaked, f"volunteer names in the PDF: {leaked}"

    name, word = _download(page, "Download Word")
    assert name.endswith(".docx"), name
    document = WordDocument(io.BytesIO(word))
    body = "\n".join(p.text for p in document.paragraphs)
    body += "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    headers = "\n".join(
        p.text
        for section in document.sections
        for part in (section.header, section.footer)
        for p in part.paragraphs
    )
    assert MARKING in headers, "marking in the Word header and footer"
    assert "MAPPA" in body and core_member.reference in body
    leaked = sorted(n for n in volunteer_names if re.search(rf"\b{re.escape(n)}\b", body))
    assert not leaked, f"volunteer names in the Word file: {leaked}"
    print(f"journey 15: {len(pages)} PDF pages, {len(pdf)} bytes; Word {len(word)} bytes")
