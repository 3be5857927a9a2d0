"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import STAFF, only

ROWS = {
    "search:index": (lambda w: {}, only(STAFF, 200, 403)),
}
