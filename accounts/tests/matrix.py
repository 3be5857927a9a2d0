"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import expect

ROWS = {
    "accounts:home": (lambda w: {}, expect(302, 405)),
    "accounts:login": (
        lambda w: {},
        # Anonymous visitors see the form; a POST without credentials re-shows it.
        expect(302, 302, anonymous=(200, 200), deactivated=(200, 200)),
    ),
    "accounts:logout": (lambda w: {}, expect(405, 302)),
    # The matrix's sessions have passed the second factor: the code step sends them on.
    "accounts:two_factor_verify": (lambda w: {}, expect(302, 302)),
    # Every user may add or replace their own authenticator app; an empty code re-shows it.
    "accounts:two_factor_setup": (lambda w: {}, expect(200, 200)),
    "accounts:two_factor_codes": (lambda w: {}, expect(200, 405)),
    "accounts:two_factor_codes_regenerate": (lambda w: {}, expect(405, 302)),
    "accounts:session_keepalive": (lambda w: {}, expect(200, 405)),
    # Open to everyone, logged in or not: they never say whether an address has an account.
    "accounts:password_reset": (
        lambda w: {},
        expect(200, 200, anonymous=(200, 200), deactivated=(200, 200)),
    ),
    "accounts:password_reset_done": (
        lambda w: {},
        expect(200, 405, anonymous=(200, 405), deactivated=(200, 405)),
    ),
    # A made-up link: the page says it no longer works.
    "accounts:password_reset_confirm": (
        lambda w: {"uidb64": "MQ", "token": "abc-123"},
        expect(200, 200, anonymous=(200, 200), deactivated=(200, 200)),
    ),
    "accounts:password_reset_complete": (
        lambda w: {},
        expect(200, 405, anonymous=(200, 405), deactivated=(200, 405)),
    ),
}
