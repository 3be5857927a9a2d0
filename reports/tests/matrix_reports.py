"""Permission-matrix rows for the report pages and exports (issue 8)."""

from cosa.tests.matrix_support import STAFF, only

STAFF_ONLY = only(STAFF, 200, 403)


def _circle(w):
    return {"pk": w.objects["circle"].pk}


ROWS = {
    "reports:caseload": (lambda w: {}, STAFF_ONLY),
    "reports:activity": (lambda w: {}, STAFF_ONLY),
    "reports:safety": (lambda w: {}, STAFF_ONLY),
    "reports:volunteers": (lambda w: {}, STAFF_ONLY),
    "reports:outcomes": (lambda w: {}, STAFF_ONLY),
    "reports:table_csv": (
        lambda w: {"report": "caseload", "table": "circles-by-state"},
        STAFF_ONLY,
    ),
    "reports:quarterly": (lambda w: {}, STAFF_ONLY),
    "reports:quarterly_csv": (lambda w: {}, STAFF_ONLY),
    # Circle A: its coordinator and managers; the other coordinator does not see it (404).
    "reports:circle_end": (
        _circle,
        only(("manager", "owner"), 200, 403, other_coordinator=(404, 405)),
    ),
    "reports:circle_end_csv": (
        _circle,
        only(("manager", "owner"), 200, 403, other_coordinator=(404, 405)),
    ),
}
