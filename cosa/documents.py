"""Documents people download: PDF (WeasyPrint) and Word (docxtpl), made on the server.

PDF: HTML rendered by WeasyPrint as PDF/UA-1 (tagged, for screen readers), with a URL
fetcher that serves the project's own static files and refuses everything else, so a
report can never make the server fetch a URL (an image or stylesheet named in typed
text, a file on disk).

Word: a docxtpl template rendered in Jinja's ``SandboxedEnvironment``. The built-in
templates are built here with python-docx; an organisation may upload its own, which is
untrusted: ``docx_clean_upload`` checks it is a real .docx within the limits and strips
what a word processor would fetch, import or run when the file is opened (external
relationships, altChunk / attachedTemplate / subDocument, DDE and INCLUDE-style fields);
every rendered document is stripped again, whatever its template wrote.
"""

import datetime
import io
import logging
import mimetypes
import posixpath
import re
import zipfile
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

# Relative URLs in a document's HTML resolve against this made-up origin; the fetcher
# answers only for its static path. ".invalid" can never resolve (RFC 2606).
BASE_URL = "https://documents.invalid/"

DOCX_MAX_BYTES = 2 * 1024 * 1024
# A .docx is a zip: refuse one that unpacks to far more than it weighs (a zip bomb).
DOCX_MAX_UNPACKED_BYTES = 30 * 1024 * 1024
DOCX_MAX_ENTRIES = 400
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"

_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# WeasyPrint logs every step of every document at INFO: not worth a line of the log each.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def download_response(content, content_type, filename):
    """A made document as a download that no cache keeps: it carries case data."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# PDF ----------------------------------------------------------------------------------------


def _static_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serves ``BASE_URL`` + STATIC_URL paths from the project's static files only."""

        def __init__(self):
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.refused = []

        def fetch(self, url, headers=None):
            path = static_path(url)
            found = finders.find(path) if path else None
            if not found:
                self.refused.append(url)
                raise ValueError(f"Documents load only the project's own static files: {url}")
            with open(found, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFilesFetcher


def static_path(url):
    """The static file's relative path that ``url`` names, or None for any other URL."""
    prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/"
    if not url.startswith(prefix):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    relative = unquote(url[len(prefix) :])
    normal = posixpath.normpath(relative)
    if normal.startswith(("/", "..")) or "\\" in relative or "\x00" in relative:
        return None
    return normal


def static_fetcher():
    return _static_fetcher_class()()


def pdf_from_html(html, *, url_fetcher=None):
    """The HTML as PDF/UA-1 bytes; only the project's static files are ever fetched."""
    from weasyprint import HTML

    fetcher = url_fetcher or static_fetcher()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/ua-1"
    )


# Word ---------------------------------------------------------------------------------------


def sandbox():
    """The Jinja environment every Word template renders in, built-in or uploaded.

    Sandboxed (no ``__class__``, ``__globals__`` or other internals), strict (a name the
    context lacks is an error at upload, not a blank in a meeting), None shown as blank.
    """
    environment = SandboxedEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        finalize=lambda value: "" if value is None else value,
    )
    # "safe" would let a template's text through unescaped, as raw Word XML.
    del environment.filters["safe"]
    return environment


def plain(value):
    """``value`` made of strings, numbers, lists and dicts only, dates written out: what a
    template gets, so that it has no object to call methods on."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.strftime("%-d %b %Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%-d %b %Y")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class DocxPicture:
    """A picture for a Word template's context: ``{{ name }}`` puts it inline, with alt text.

    It keeps everything in underscored attributes, which the sandbox refuses to read, so
    a template can place the picture and do nothing else with it (docxtpl's own
    InlineImage would hand a template the DocxTemplate and its ``save``).
    """

    __slots__ = ("_template", "_png", "_width_mm", "_descr")

    def __init__(self, png, *, width_mm, descr):
        self._template, self._png, self._width_mm, self._descr = None, png, width_mm, descr

    def _bound(self, template):
        picture = DocxPicture(self._png, width_mm=self._width_mm, descr=self._descr)
        picture._template = template
        return picture

    def _xml(self):
        from docx.oxml import parse_xml
        from docx.shared import Mm

        part = self._template.current_rendering_part
        inline = part.new_pic_inline(io.BytesIO(self._png), Mm(self._width_mm), None)
        element = parse_xml(inline.xml)
        for tag in (".//wp:docPr", ".//pic:cNvPr"):
            for node in element.xpath(tag):
                node.set("descr", self._descr)
        return (
            "</w:t></w:r><w:r><w:drawing>"
            + etree.tostring(element, encoding="unicode")
            + '</w:drawing></w:r><w:r><w:t xml:space="preserve">'
        )

    def __html__(self):
        return self._xml()

    def __str__(self):
        return self._xml()


def docx_render(template_bytes, context, pictures=None):
    """Render a docxtpl template (bytes) with ``context`` in the sandbox; the .docx bytes.

    ``pictures`` maps context names to ``DocxPicture``s. Raises ValidationError with the
    template's own error when it cannot be rendered.
    """
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        values = plain(context)
        for name, picture in (pictures or {}).items():
            values[name] = picture._bound(template)
        template.render(values, jinja_env=sandbox(), autoescape=True)
    except TemplateError as error:
        raise ValidationError(f"The Word template cannot be filled in: {error}") from error
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise ValidationError(f"The Word template is not a usable .docx file: {error}") from error
    out = io.BytesIO()
    template.save(out)
    return docx_strip_active(out.getvalue())[0]


def docx_clean_upload(content):
    """Check an uploaded .docx and strip what a word processor would run or fetch.

    Returns ``(clean bytes, how many relationships and fields were removed)``; raises
    ValidationError with a sentence for the person uploading.
    """
    if not content:
        raise ValidationError("The file is empty.")
    if len(content) > DOCX_MAX_BYTES:
        raise ValidationError(
            f"The file is too large: a template is at most {DOCX_MAX_BYTES // (1024 * 1024)} MB."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ValidationError("This is not a Word document (.docx).") from None
    names = {entry.filename for entry in entries}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise ValidationError("This is not a Word document (.docx): it has no document part.")
    if len(entries) > DOCX_MAX_ENTRIES or sum(e.file_size for e in entries) > (
        DOCX_MAX_UNPACKED_BYTES
    ):
        raise ValidationError("The file unpacks to too much to be a report template.")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError("The file contains macros: save it as a plain .docx.")
    try:
        return docx_strip_active(content)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, RuntimeError, OSError, EOFError):
        raise ValidationError("The file is damaged: it could not be read as a .docx.") from None


def docx_strip_active(content):
    """The .docx without anything Word would fetch, import or run when it is opened.

    Removed: external relationships (remote images, links, templates); altChunk,
    attachedTemplate and subDocument relationships, their parts and the elements that
    use them (they pull other documents in, internal or not); and, in every part, the
    fields that reach outside the document (``DANGEROUS_FIELDS``: DDE runs a program,
    INCLUDETEXT / INCLUDEPICTURE / IMPORT / LINK read a file or URL), simple or complex,
    whatever the case and however the instruction is split across runs. A field whose
    instruction is itself made by a field is removed too: what it becomes is only known
    when it runs. Returns ``(bytes, how many relationships and fields were removed)``.

    Used on every upload and again on every rendered document, since a template's
    placeholders could otherwise write a field at render time.
    """
    archive = zipfile.ZipFile(io.BytesIO(content))
    entries = archive.infolist()
    parts = {entry.filename: archive.read(entry.filename) for entry in entries}
    removed = 0
    dropped_parts = set()
    for name, data in list(parts.items()):
        if name.endswith(".rels"):
            parts[name], count, targets = _strip_relationships(name, data)
            removed += count
            dropped_parts |= targets
    for name, data in list(parts.items()):
        if name.endswith(".xml") and name not in dropped_parts and b"wordprocessingml" in data:
            parts[name], count = _strip_fields(data)
            removed += count
    if dropped_parts:
        parts["[Content_Types].xml"] = _drop_overrides(parts["[Content_Types].xml"], dropped_parts)
    if not removed:
        return content, 0
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as clean:
        for entry in entries:
            if entry.filename not in dropped_parts:
                clean.writestr(entry.filename, parts[entry.filename])
    return out.getvalue(), removed


# Field names are case-insensitive; INCLUDE is Word's older spelling of INCLUDETEXT.
DANGEROUS_FIELDS = frozenset(
    {"DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDE", "INCLUDEPICTURE", "IMPORT", "LINK"}
)
# Relationship types (the last part of the type URI, lowercased) that bring another
# document in, even one packed inside the file.
_IMPORTING_RELATIONSHIPS = frozenset({"afchunk", "attachedtemplate", "subdocument"})
# The elements that use those relationships, by local name.
_IMPORTING_ELEMENTS = frozenset({"altChunk", "subDoc", "attachedTemplate"})
_W_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_FIELD_NAME = re.compile(r'^[\s"]*([A-Za-z]+)')


def _xml(data):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def _xml_bytes(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _strip_relationships(rels_name, data):
    """``(bytes, removed, internal parts to drop)`` for one .rels part."""
    root = _xml(data)
    source_dir = posixpath.dirname(posixpath.dirname(rels_name))
    removed, targets = 0, set()
    for rel in list(root):
        if rel.tag != f"{{{_RELS_NS}}}Relationship":
            continue
        external = (rel.get("TargetMode") or "").lower() == "external"
        kind = (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1].lower()
        if not external and kind not in _IMPORTING_RELATIONSHIPS:
            continue
        root.remove(rel)
        removed += 1
        if not external:
            target = unquote(rel.get("Target") or "")
            path = target[1:] if target.startswith("/") else posixpath.join(source_dir, target)
            targets.add(posixpath.normpath(path))
    if not removed:
        return data, 0, targets
    return _xml_bytes(root), removed, targets


def _drop_overrides(data, part_names):
    root = _xml(data)
    wanted = {"/" + name.lower() for name in part_names}
    for override in list(root):
        if (override.get("PartName") or "").lower() in wanted:
            root.remove(override)
    return _xml_bytes(root)


def _w(element, localname):
    if not isinstance(element.tag, str):
        return False
    qname = etree.QName(element)
    return qname.localname == localname and qname.namespace in _W_NAMESPACES


def _w_attribute(element, localname):
    for namespace in _W_NAMESPACES:
        value = element.get(f"{{{namespace}}}{localname}")
        if value is not None:
            return value
    return None


def _dangerous_instruction(text):
    match = _FIELD_NAME.match(text or "")
    return bool(match) and match.group(1).upper() in DANGEROUS_FIELDS


def _enclosing_run(element):
    node = element
    while node is not None and not _w(node, "r"):
        node = node.getparent()
    return node if node is not None else element


def _strip_fields(data):
    """``(bytes, removed)``: one part without its importing elements and outside fields."""
    root = _xml(data)
    doomed = []  # (first element, last element) ranges in document order, or single ones
    stack = []
    for element in root.iter():
        if _w(element, "fldSimple"):
            if _dangerous_instruction(_w_attribute(element, "instr")):
                doomed.append((element, element))
        elif any(_w(element, name) for name in _IMPORTING_ELEMENTS):
            doomed.append((element, element))
        elif _w(element, "fldChar"):
            kind = _w_attribute(element, "fldCharType")
            run = _enclosing_run(element)
            if kind == "begin":
                if stack and stack[-1]["in_instruction"]:
                    stack[-1]["built_by_field"] = True
                stack.append(
                    {"start": run, "text": [], "in_instruction": True, "built_by_field": False}
                )
            elif kind == "separate" and stack:
                stack[-1]["in_instruction"] = False
            elif kind == "end" and stack:
                field = stack.pop()
                if field["built_by_field"] or _dangerous_instruction("".join(field["text"])):
                    doomed.append((field["start"], run))
        elif (
            (_w(element, "instrText") or _w(element, "delInstrText"))
            and stack
            and stack[-1]["in_instruction"]
        ):
            stack[-1]["text"].append(element.text or "")
    # A field begun and never ended runs to the end of the part.
    doomed.extend((field["start"], None) for field in stack)
    if not doomed:
        return data, 0
    order = {element: index for index, element in enumerate(root.iter())}
    runs = [element for element in root.iter() if _w(element, "r")]
    targets = []
    for first, last in doomed:
        if first is last:
            targets.append(first)
            continue
        low = order[first]
        high = order[last] if last is not None else len(order)
        targets.extend(run for run in runs if low <= order[run] <= high)
        targets.extend(element for element in (first, last) if element is not None)
    for element in targets:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return _xml_bytes(root), len(doomed)


def docx_check_template(content, sample_context, pictures=None):
    """Refuse a template that cannot be filled in with ``sample_context`` (clear error)."""
    docx_render(content, sample_context, pictures)


def docx_text(content):
    """Every paragraph's text of a .docx, body, tables, headers and footers (for tests and
    the timing command)."""
    import docx

    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        texts.extend(p.text for p in section.header.paragraphs)
        texts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(texts)


def docx_builtin(*, title, marking, lines):
    """A docxtpl template built with python-docx: ``marking`` in every page's header and
    footer, then ``lines``, each a paragraph of docxtpl text. A line starting with "# "
    is a heading; "## " a smaller one; "{%p ...%}" lines are docxtpl's paragraph tags."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = title
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    section = document.sections[0]
    for part in (section.header, section.footer):
        paragraph = part.paragraphs[0]
        paragraph.text = marking
        paragraph.alignment = 1  # centred
        paragraph.runs[0].bold = True
    for line in lines:
        if line.startswith("## "):
            document.add_heading(line[3:], level=2)
        elif line.startswith("# "):
            document.add_heading(line[2:], level=1)
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
