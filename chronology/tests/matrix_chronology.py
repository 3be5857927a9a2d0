"""Permission-matrix rows for the chronology: whoever sees the Core Member (his
coordinator, managers, the assigned liaison) or one of his circles (its volunteers);
everyone else 404. It only reads (a POST is 405)."""

from cosa.tests.matrix_support import expect


def _core_member(w):
    return {"pk": w.objects["core_member"].pk}


ROWS = {
    "chronology:chronology": (
        _core_member,
        expect(
            404,
            405,
            manager=(200, 405),
            owner=(200, 405),
            volunteer_in_circle=(200, 405),
            liaison_assigned=(200, 405),
        ),
    ),
}
