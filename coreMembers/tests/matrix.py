"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import LIAISONS, STAFF, only

ROWS = {
    "core_members:index": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:export": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:detail": (
        lambda w: {"pk": w.objects["core_member"].pk},
        only(("manager", "owner", "liaison_assigned"), 200, 404),
    ),
    "core_members:audit": (
        lambda w: {"pk": w.objects["core_member"].pk},
        # The assigned liaison may see the Core Member but not the trail.
        only(("manager", "owner"), 200, 404, liaison_assigned=(403, 405)),
    ),
}
