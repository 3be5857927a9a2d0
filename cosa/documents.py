"""Documents people download: PDF (WeasyPrint) and Word (docxtpl), made on the server.

PDF: HTML rendered by WeasyPrint as PDF/UA-1 (tagged, for screen readers), with a URL
fetcher that serves the project's own static files and refuses everything else, so a
report can never make the server fetch a URL (an image or stylesheet named in typed
text, a file on disk).

Word: a docxtpl template rendered in Jinja's ``SandboxedEnvironment``. The built-in
templates are built here with python-docx; an organisation may upload its own, which is
untrusted: ``docx_clean_upload`` checks it is a real .docx within the limits and strips
its external relationships (remote images, attached templates, links that a word
processor would fetch when the file is opened).
"""

import datetime
import io
import logging
import mimetypes
import posixpath
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
    return SandboxedEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        finalize=lambda value: "" if value is None else value,
    )


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


def docx_render(template_bytes, context):
    """Render a docxtpl template (bytes) with ``context`` in the sandbox; the .docx bytes.

    Raises ValidationError with the template's own error when it cannot be rendered.
    """
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        template.render(plain(context), jinja_env=sandbox(), autoescape=True)
    except TemplateError as error:
        raise ValidationError(f"The Word template cannot be filled in: {error}") from error
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise ValidationError(f"The Word template is not a usable .docx file: {error}") from error
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def docx_clean_upload(content):
    """Check an uploaded .docx and strip its external relationships.

    Returns ``(clean bytes, how many relationships were removed)``; raises
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
    stripped = 0
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as clean:
            for entry in entries:
                data = archive.read(entry.filename)
                if entry.filename.endswith(".rels"):
                    data, removed = _strip_external(data)
                    stripped += removed
                clean.writestr(entry.filename, data)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, RuntimeError, OSError, EOFError):
        raise ValidationError("The file is damaged: it could not be read as a .docx.") from None
    return out.getvalue(), stripped


def _strip_external(data):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    removed = 0
    for rel in list(root):
        if rel.tag == f"{{{_RELS_NS}}}Relationship" and (
            (rel.get("TargetMode") or "").lower() == "external"
        ):
            root.remove(rel)
            removed += 1
    if not removed:
        return data, 0
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), removed


def docx_check_template(content, sample_context):
    """Refuse a template that cannot be filled in with ``sample_context`` (clear error)."""
    docx_render(content, sample_context)


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
