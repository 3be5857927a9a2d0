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
}
