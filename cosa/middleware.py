"""Response headers Django's SecurityMiddleware does not set."""

from django.conf import settings


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
        if not request.path.startswith(settings.STATIC_URL_PATH):
            response.headers["Cache-Control"] = "no-store, max-age=0"
            response.headers["Pragma"] = "no-cache"
            response.headers.pop("Expires", None)
        return response
