"""Uploaded documents: what is accepted, and how a stored one is served back.

Every upload (a referral's documents, a Core Member's, a circle's or a volunteer's,
a DBS certificate's scan) passes ``validate_document``: the extension must be one of
the listed formats *and* the first bytes must be that format's magic number, so a
renamed executable or HTML page is refused whatever its name says. Files live under
MEDIA_ROOT, outside the web root (no URL serves MEDIA_URL), and go back to a user only
through a view that checks access first and answers with ``attachment_response``.
"""

import hashlib
import os
import uuid

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.text import get_valid_filename

MAX_BYTES = settings.COSA_DOCUMENT_MAX_BYTES
MAX_FILES = settings.COSA_DOCUMENT_MAX_FILES
# The formats case papers arrive in, and their magic numbers.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".txt": (),  # checked as UTF-8 text below
}
ACCEPT = ",".join(SIGNATURES)
HELP_TEXT = "PDF, Word, OpenDocument, text or image files, up to 10 MB each."


def _size(n):
    if n >= 1024 * 1024:
        return f"{n // (1024 * 1024)} MB"
    return f"{n} bytes"


def validate_document(upload):
    """Allow only the listed formats, by extension and content; rename to a safe name.

    The upload gets ``original_name`` (what the user's file was called) and a safe
    ``name``; a ``ValidationError`` names the file and what is wrong with it.
    """
    name = os.path.basename(upload.name or "")
    stem, extension = os.path.splitext(name)
    extension = extension.lower()
    if extension not in SIGNATURES:
        allowed = ", ".join(sorted(ext.lstrip(".").upper() for ext in SIGNATURES))
        raise forms.ValidationError(f"“{name}” is not an accepted format ({allowed}).")
    if upload.size > MAX_BYTES:
        raise forms.ValidationError(f"“{name}” is larger than {_size(MAX_BYTES)}.")
    if upload.size == 0:
        raise forms.ValidationError(f"“{name}” is empty.")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    signatures = SIGNATURES[extension]
    if signatures and not head.startswith(signatures):
        raise forms.ValidationError(
            f"“{name}” is not really a {extension.lstrip('.').upper()} file."
        )
    if not signatures:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character may straddle the cut; anything else is binary.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(f"“{name}” is not a plain text file.") from None
    safe_stem = get_valid_filename(stem)[:60] or "document"
    upload.original_name = name
    upload.name = f"{safe_stem}{extension}"
    return upload


class DocumentField(forms.FileField):
    """One upload, checked by ``validate_document``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("help_text", HELP_TEXT)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        return validate_document(upload)


def content_hash(upload) -> str:
    """The SHA-256 of an upload's bytes (the same file sent twice has the same hash)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def opaque_name(upload) -> str:
    """A storage name that says nothing about the person (the title and the original
    name stay in the database): a random stem and the checked extension."""
    extension = os.path.splitext(upload.name or "")[1].lower()
    return f"{uuid.uuid4().hex}{extension}"


def attachment_response(stored_file, filename):
    """Serve a stored file as a download the browser never renders or sniffs.

    404 when the file has gone from storage (never a 500)."""
    try:
        handle = stored_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=get_valid_filename(os.path.basename(filename)) or "document",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened in a tab, the file runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
