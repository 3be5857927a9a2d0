"""Permission-matrix row of the benchmark's floor page: any logged-in user."""

from cosa.tests.matrix_support import expect

ROWS = {
    # Logged-in users get the trivial page; it is GET only.
    "devtools:floor": (lambda w: {}, expect(200, 405)),
}
