"""Project middleware: response headers Django's SecurityMiddleware does not set, the
overall request-body limit, and the page served while the database is unavailable."""

import logging
import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy, and no caching of pages.

    HSTS, nosniff, Referrer-Policy and Cross-Origin-Opener-Policy come from
    SecurityMiddleware; frame denial from XFrameOptionsMiddleware and the CSP's
    frame-ancestors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # The old XSS auditor is itself a hole; "0" turns it off (OWASP advice). The CSP
        # is the defence.
        response.headers["X-XSS-Protection"] = "0"
        # Pages hold criminal-offence data: no browser or proxy may keep a copy.
        # The calendar feed's own "private, no-store" is as strict, and is kept.
        if not request.path.startswith(settings.STATIC_URL_PATH):
            if response.headers.get("Cache-Control") != "private, no-store":
                response.headers["Cache-Control"] = "no-store, max-age=0"
            response.headers["Pragma"] = "no-cache"
            response.headers.pop("Expires", None)
        return response


class RequestSizeLimitMiddleware:
    """Refuse (413) a request body larger than settings.COSA_REQUEST_MAX_BYTES, unread.

    Django checks each uploaded file only after the whole body has been received
    and spooled to disk, so without this a 100 MB upload is taken in full before the
    form says 10 MB is the most. A declared Content-Length over the limit is refused
    before a byte of the body is read. A chunked body (Transfer-Encoding, no
    Content-Length) is counted as it is read into a spooled file and refused as soon
    as it passes the limit; within it, it is handed on with its length, as if it had
    been declared (Django would otherwise read such a body as empty).
    """

    READ_SIZE = 64 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.COSA_REQUEST_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH")
        if declared:
            try:
                length = int(declared)
            except ValueError:
                length = 0  # Django reads an unusable length as an empty body
            if length > limit:
                return self._too_large(request, f"Content-Length {length}")
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            body, length = self._spool(request.META["wsgi.input"], limit)
            if body is None:
                return self._too_large(request, f"chunked body over {limit}")
            request.META["CONTENT_LENGTH"] = str(length)
            # The request has read nothing yet: give it the counted body instead.
            request._stream = LimitedStream(body, length)
            try:
                return self.get_response(request)
            finally:
                body.close()
        return self.get_response(request)

    def _spool(self, stream, limit):
        """The body in a spooled file and its length, or (None, n) once n passes limit."""
        body = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed once the response is made)
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        length = 0
        while chunk := stream.read(self.READ_SIZE):
            length += len(chunk)
            if length > limit:
                body.close()
                return None, length
            body.write(chunk)
        body.seek(0)
        return body, length

    def _too_large(self, request, what):
        logger.warning("Request body refused (413): %s %s, %s", request.method, request.path, what)
        limit_mb = settings.COSA_REQUEST_MAX_BYTES // (1024 * 1024)
        return render(
            request,
            "request_too_large.html",
            {
                "limit_mb": limit_mb,
                "file_mb": settings.COSA_DOCUMENT_MAX_BYTES // (1024 * 1024),
                "max_files": settings.COSA_DOCUMENT_MAX_FILES,
            },
            status=413,
        )


# The database is unavailable: restarting, failing over, out of connections.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# Posted fields never shown back, even to the person who typed them.
UNSHOWN_FIELD_WORDS = ("csrf", "password", "passwd", "secret", "token", "otp")


def database_unavailable_response(request):
    """503 "try again in a moment", with ``Retry-After``; a POST's text is shown back.

    Rendered without the request (no context processors, no session, no database):
    the page needs nothing the outage took away.
    """
    html = loader.get_template("503.html").render(
        {
            "kept_fields": kept_text(request),
            "retry_after": settings.COSA_RETRY_AFTER_SECONDS,
        }
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.COSA_RETRY_AFTER_SECONDS)
    return response


def kept_text(request):
    """[(field name, value)] of the text a POST carried, for the user to copy.

    Only for a request that looks logged in (it carries a session cookie, which the
    database cannot confirm now) and whose CSRF token passes the check: a cross-site or
    anonymous POST is never echoed. Passwords, tokens and one-time codes are left out;
    uploaded files are not in ``request.POST``. The template escapes every value.
    """
    if request.method != "POST" or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []
    # The outage may strike before CsrfViewMiddleware looks (while loading the session):
    # then check now. The check reads cookies and headers only, never the database.
    if not getattr(request, "csrf_processing_done", False) and CsrfViewMiddleware(
        lambda request: None
    ).process_view(request, None, (), {}):
        return []
    try:
        posted = request.POST
    except Exception:  # an unreadable body: just the message
        return []
    kept = []
    for name in posted:
        if any(word in name.lower() for word in UNSHOWN_FIELD_WORDS):
            continue
        kept += [(name, value) for value in posted.getlist(name) if value.strip()]
    return kept


class DatabaseUnavailableMiddleware:
    """A view that meets a database error answers 503 with the typed text kept.

    Errors raised before the view (loading the session) reach ``cosa.views.server_error``,
    which serves the same page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "Database unavailable (503): %s %s: %r", request.method, request.path, exception
        )
        return database_unavailable_response(request)
