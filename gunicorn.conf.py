"""gunicorn settings, read automatically when gunicorn starts in this folder.

gunicorn always sends ``Server: gunicorn``; naming the server software helps an
attacker and nobody else, so the header is dropped here (a TLS proxy in front may
drop it too).
"""

import gunicorn.http.wsgi

_default_headers = gunicorn.http.wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


gunicorn.http.wsgi.Response.default_headers = _default_headers_without_server
