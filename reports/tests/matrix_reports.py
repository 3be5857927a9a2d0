"""Permission-matrix rows for the report pages and exports."""

from cosa.tests.matrix_support import STAFF, expect, only

STAFF_ONLY = only(STAFF, 200, 403)
CIRCLE_REPORT = expect(
    404, 405, manager=(200, 405), owner=(200, 405), volunteer_in_circle=(403, 405)
)


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
    # Circle A: its coordinator and managers; its volunteer sees the circle but not the
    # report (403); nobody else sees the circle (404).
    "reports:circle_end": (_circle, CIRCLE_REPORT),
    "reports:circle_end_csv": (_circle, CIRCLE_REPORT),
}
