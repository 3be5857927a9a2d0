"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import STAFF, VOLUNTEERS, only

ROWS = {
    "volunteers:index": (lambda w: {}, only(STAFF + VOLUNTEERS, 200, 403)),
    "volunteers:export": (lambda w: {}, only(STAFF, 200, 403)),
    "volunteers:detail": (
        lambda w: {"pk": w.objects["volunteer"].pk},
        # The whole pool for staff; a volunteer sees only their own profile.
        only(STAFF + ("volunteer_in_circle",), 200, 404),
    ),
}
