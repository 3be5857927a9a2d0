"""Permission-matrix rows for the report pages and exports."""

from cosa.tests.matrix_support import STAFF, expect, only

STAFF_ONLY = only(STAFF, 200, 403)
CIRCLE_REPORT = expect(
    404, 405, manager=(200, 405), owner=(200, 405), volunteer_in_circle=(403, 405)
)


MEETING_REPORT = expect(404, 405, manager=(200, 405), owner=(200, 405), liaison_assigned=(403, 405))
MEETING_REPORT_FORM = expect(
    404, 404, manager=(200, 200), owner=(200, 200), liaison_assigned=(403, 403)
)


def _mappa(w):
    return {"pk": w.objects["core_member"].pk, "slug": "mappa"}


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
    "reports:circle_end_pdf": (_circle, CIRCLE_REPORT),
    "reports:circle_end_docx": (_circle, CIRCLE_REPORT),
    # The meeting reports about A's Core Member: his coordinator and managers; the
    # assigned liaison sees who he is but not the report (403); nobody else sees him.
    "reports:meeting_report": (_mappa, MEETING_REPORT),
    "reports:meeting_report_pdf": (_mappa, MEETING_REPORT),
    "reports:meeting_report_docx": (_mappa, MEETING_REPORT),
    # Form pages: an empty POST is shown again with its errors.
    "reports:meeting_report_summary": (_mappa, MEETING_REPORT_FORM),
    "reports:meeting_report_share": (_mappa, MEETING_REPORT_FORM),
    # The organisation's Word templates: managers only, everyone else 404.
    "reports:templates": (lambda w: {}, expect(404, 404, manager=(200, 200))),
    "reports:template_retire": (lambda w: {"kind": "mappa"}, expect(405, 404, manager=(405, 302))),
    "reports:template_builtin": (lambda w: {"kind": "mappa"}, expect(404, 405, manager=(200, 405))),
}
