"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import STAFF, VOLUNTEERS, expect, only

ROWS = {
    "circles:index": (lambda w: {}, only(STAFF + VOLUNTEERS, 200, 403)),
    "circles:export": (lambda w: {}, only(STAFF, 200, 403)),
    "circles:detail": (
        lambda w: {"pk": w.objects["circle"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:note_detail": (
        lambda w: {"pk": w.objects["circle"].pk, "meeting_pk": w.objects["meeting"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:concern_detail": (
        lambda w: {"pk": w.objects["circle"].pk, "concern_pk": w.objects["concern"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:membership_end": (
        lambda w: {"pk": w.objects["circle"].pk, "membership_pk": w.objects["membership"].pk},
        expect(
            405,
            404,
            manager=(405, 302),
            owner=(405, 302),
            # Sees the circle, may not change it.
            volunteer_in_circle=(405, 403),
        ),
    ),
}
