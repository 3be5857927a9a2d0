"""Permission-matrix rows for the outcome pages: recalls, reconvictions and
the 12/24-month follow-up checks. The Core Member's coordinator and managers only."""

from cosa.tests.matrix_support import expect


def _core_member(w):
    return {"pk": w.objects["core_member"].pk}


def _follow_up(w):
    return {"pk": w.objects["circle"].pk, "months": 12}


ROWS = {
    # Needs the full record: the assigned liaison sees A's identity, so is refused (403).
    "outcomes:outcomes": (
        _core_member,
        expect(404, 405, manager=(200, 405), owner=(200, 405), liaison_assigned=(403, 405)),
    ),
    # An empty POST is a form error (200).
    "outcomes:outcome_record": (
        _core_member,
        expect(404, 404, manager=(200, 200), owner=(200, 200), liaison_assigned=(403, 403)),
    ),
    # Circle A is still open: the page says the check waits for the end; a POST is refused
    # on the form (200). Its volunteer sees the circle but may not change it (403).
    "outcomes:follow_up": (
        _follow_up,
        expect(404, 404, manager=(200, 200), owner=(200, 200), volunteer_in_circle=(403, 403)),
    ),
}
