"""Permission-matrix rows for the minutes, concerns, dashboards and trend.

In the world, circle A's meeting has SUBMITTED minutes written by ``volunteer_in_circle``
and a RED concern raised by them; an empty POST re-renders a form with errors (200).
"""

from cosa.tests.matrix_support import STAFF, expect, only

IN_CIRCLE = ("manager", "owner", "volunteer_in_circle")


def _meeting(w):
    return {"pk": w.objects["circle"].pk, "meeting_pk": w.objects["meeting"].pk}


def _concern(w):
    return {"pk": w.objects["circle"].pk, "concern_pk": w.objects["concern"].pk}


def _circle(w):
    return {"pk": w.objects["circle"].pk}


ROWS = {
    # Volunteers only: their start page.
    "circles:mine": (
        lambda w: {},
        only(("volunteer_in_circle", "volunteer_other_circle", "volunteer_left"), 200, 403),
    ),
    "circles:dashboard": (lambda w: {}, only(STAFF, 200, 403)),
    "circles:dashboard_list": (lambda w: {"which": "concerns"}, only(STAFF, 200, 403)),
    # Needs the full record: the assigned liaison sees A's identity, so is refused (403).
    "circles:risk_trend": (
        lambda w: {"core_member_pk": w.objects["core_member"].pk},
        expect(
            404,
            405,
            manager=(200, 405),
            owner=(200, 405),
            liaison_assigned=(403, 405),
        ),
    ),
    # The minutes' author edits; the circle's coordinator and the manager may not (403).
    "circles:note_write": (
        _meeting,
        expect(
            404,
            404,
            manager=(403, 403),
            owner=(403, 403),
            volunteer_in_circle=(200, 200),
        ),
    ),
    "circles:observation_add": (
        _meeting,
        # The circle's volunteers add observations; staff who see the minutes may not.
        expect(
            405,
            404,
            manager=(405, 403),
            owner=(405, 403),
            volunteer_in_circle=(405, 200),
        ),
    ),
    "circles:note_review": (
        _meeting,
        expect(
            405,
            404,
            manager=(405, 302),
            owner=(405, 302),
            volunteer_in_circle=(405, 403),
        ),
    ),
    "circles:contact_log": (
        _circle,
        expect(
            404,
            404,
            manager=(403, 403),
            owner=(200, 200),
            volunteer_in_circle=(200, 200),
        ),
    ),
    "circles:emergency_request": (
        _circle,
        # A volunteer asks; the staff who see the circle are refused (403).
        expect(
            404,
            404,
            manager=(403, 403),
            owner=(403, 403),
            volunteer_in_circle=(200, 200),
        ),
    ),
    "circles:concern_raise": (
        _circle,
        expect(
            404,
            404,
            manager=(200, 200),
            owner=(200, 200),
            volunteer_in_circle=(200, 200),
        ),
    ),
    # The world's concern has been shared already: triage and close answer with the
    # form and the service's refusal (200), never a 500.
    "circles:concern_triage": (
        _concern,
        expect(
            405,
            404,
            manager=(405, 200),
            owner=(405, 200),
            # The volunteer who raised it sees it but may not triage or close it.
            volunteer_in_circle=(405, 403),
        ),
    ),
    "circles:concern_close": (
        _concern,
        expect(
            405,
            404,
            manager=(405, 200),
            owner=(405, 200),
            # The volunteer who raised it sees it but may not triage or close it.
            volunteer_in_circle=(405, 403),
        ),
    ),
}
