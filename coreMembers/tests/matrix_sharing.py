"""Permission-matrix rows for the shared-record URL patterns (coreMembers/urls_sharing.py)."""

from cosa.tests.matrix_support import LIAISONS, STAFF, expect, only

ROWS = {
    "core_members:records": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:record_detail": (
        lambda w: {"pk": w.objects["record"].pk},
        only(("manager", "owner", "liaison_assigned"), 200, 404),
    ),
    "core_members:record_acknowledge": (
        lambda w: {"pk": w.objects["record"].pk},
        expect(
            405,
            404,
            # Readers who are not recipients may see the record but not acknowledge it.
            manager=(405, 403),
            owner=(405, 403),
            liaison_assigned=(405, 302),
        ),
    ),
}
