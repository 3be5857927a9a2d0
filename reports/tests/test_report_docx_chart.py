"""The Word meeting reports carry the dynamic-risk chart as a picture with alt text."""

import io
import re
import zipfile

import docx
from django.urls import reverse
from PIL import Image

from cosa import documents
from reports import services
from reports.tests.meeting_report_support import (
    VOLUNTEER_NAMES,
    add_rated_meetings,
    assert_no_volunteer_name,
)

WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def _pictures(content):
    """(alt text, PNG bytes) of every inline picture in the document's body."""
    document = docx.Document(io.BytesIO(content))
    found = []
    for inline in document.inline_shapes:
        descr = inline._inline.find(WP_DOCPR).get("descr")
        blip = inline._inline.xpath(".//a:blip/@r:embed")[0]
        found.append((descr, document.part.related_parts[blip].blob))
    return found


def _assert_no_volunteer_anywhere(content):
    """No volunteer's name in any part of the file: as a word in any XML part's text or
    attributes (tags removed: Word's "insideH" border is not a name), nor in any picture."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        data = archive.read(name)
        if name.endswith((".xml", ".rels")):
            assert_no_volunteer_name(re.sub(r"<[\w:]+|</[\w:]+>|\b[\w:]+=", " ", data.decode()))
        else:
            for volunteer in VOLUNTEER_NAMES:
                assert volunteer.encode() not in data, (name, volunteer)


def _rated(world):
    add_rated_meetings(
        world.objects["circle"], world.users["volunteer_in_circle"], [0, 1, 3, 2], start_days_ago=40
    )


def test_an_outsider_gets_no_word_report(client, world):
    _rated(world)
    core_member = world.objects["core_member"]
    for actor in ("volunteer_in_circle", "liaison_unassigned", "other_coordinator"):
        if actor not in world.users:
            continue
        client.force_login(world.users[actor])
        url = reverse("reports:meeting_report_docx", args=[core_member.pk, "mappa"])
        assert client.get(url).status_code == 404, actor


def test_the_built_in_word_report_has_the_chart_with_alt_text(client, world):
    _rated(world)
    core_member = world.objects["core_member"]
    client.force_login(world.users["owner"])
    for slug in ("mappa", "om-update"):
        response = client.get(reverse("reports:meeting_report_docx", args=[core_member.pk, slug]))
        if response.status_code == 404 and slug != "mappa":
            continue
        assert response.status_code == 200
        pictures = _pictures(response.content)
        assert len(pictures) == 1
        descr, png = pictures[0]
        assert descr.startswith("Chart of the dynamic-risk ratings")
        # The world's own rated meeting comes last (a 1).
        assert "Low mood: 5 ratings, first 0, last 1, highest 3 (up 1)" in descr
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.width > 1000
        # Drawn, not blank: the line and dots are in the report's blue.
        assert (29, 79, 145) in {colour for _n, colour in image.getcolors(1 << 20)}
        _assert_no_volunteer_anywhere(response.content)


def _template_with(*paragraphs):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_uploaded_template_may_place_the_chart(client, world):
    _rated(world)
    core_member = world.objects["core_member"]
    services.report_template_upload(
        kind="mappa",
        name="ours.docx",
        content=_template_with("Ours {{ core_member.reference }}", "{{ risk_chart }}"),
        acting_user=world.users["manager"],
    )
    client.force_login(world.users["owner"])
    response = client.get(reverse("reports:meeting_report_docx", args=[core_member.pk, "mappa"]))
    assert response.status_code == 200
    assert f"Ours {core_member.reference}" in documents.docx_text(response.content)
    [(descr, _png)] = _pictures(response.content)
    assert "Low mood: 5 ratings" in descr
    _assert_no_volunteer_anywhere(response.content)


def test_a_template_can_do_nothing_with_the_chart_but_place_it(world):
    import pytest
    from django.core.exceptions import ValidationError

    for probe in ("{{ risk_chart._template }}", "{{ risk_chart._png }}", "{{ risk_chart.x }}"):
        with pytest.raises(ValidationError, match="cannot be filled in"):
            services.report_template_upload(
                kind="mappa",
                name="x.docx",
                content=_template_with(probe),
                acting_user=world.users["manager"],
            )
