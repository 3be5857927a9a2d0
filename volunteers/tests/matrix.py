"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py).

The world's ``volunteer`` is the profile of ``volunteer_in_circle``: staff see and
change the whole pool; that volunteer sees their own profile (403 on staff-only
actions, since they can see it); every other volunteer and every liaison gets 404.
"""

from cosa.tests.matrix_support import STAFF, VOLUNTEERS, expect, only


def _volunteer(w):
    return {"pk": w.objects["volunteer"].pk}


def _reference(w):
    """A reference on the world's volunteer (the world has none of its own)."""
    from volunteers.models import Reference

    volunteer = w.objects["volunteer"]
    reference = Reference.objects.filter(volunteer=volunteer).first()
    if reference is None:
        from volunteers.services import reference_record

        reference = reference_record(
            volunteer=volunteer,
            referee_name="Rhoda Referee",
            relationship="Former employer",
            requested_on=volunteer.applied_on,
        )
    return {"pk": volunteer.pk, "reference_pk": reference.pk}


OWN = ("volunteer_in_circle",)


def _staff_form(kwargs):
    """GET shows the form to staff; an empty POST re-shows it with errors (200)."""
    return (
        kwargs,
        expect(404, 404, **dict.fromkeys(STAFF, (200, 200)), volunteer_in_circle=(403, 403)),
    )


ROWS = {
    # A volunteer is sent on to their circles' start page.
    "volunteers:index": (
        lambda w: {},
        only(STAFF, 200, 403, **dict.fromkeys(VOLUNTEERS, (302, 405))),
    ),
    "volunteers:export": (lambda w: {}, only(STAFF, 200, 403)),
    "volunteers:create": (lambda w: {}, expect(403, 403, **dict.fromkeys(STAFF, (200, 200)))),
    "volunteers:me": (lambda w: {}, only(VOLUNTEERS, 302, 403)),
    "volunteers:detail": (
        _volunteer,
        # The whole pool for staff; a volunteer sees only their own profile.
        only(STAFF + OWN, 200, 404),
    ),
    # POST only; an empty POST is refused with a message and a redirect back.
    "volunteers:move": (
        _volunteer,
        expect(405, 404, **dict.fromkeys(STAFF, (405, 302)), volunteer_in_circle=(405, 403)),
    ),
    "volunteers:dbs_new": _staff_form(_volunteer),
    "volunteers:reference_new": _staff_form(_volunteer),
    "volunteers:reference_edit": _staff_form(_reference),
    "volunteers:training_new": _staff_form(_volunteer),
    "volunteers:supervision_new": _staff_form(_volunteer),
    # Staff and the volunteer themself log hours.
    "volunteers:hours": (_volunteer, expect(404, 404, **dict.fromkeys(STAFF + OWN, (200, 200)))),
    # Staff edit the matching profile, the volunteer their availability (an empty POST
    # shows the form again).
    "volunteers:profile": (
        _volunteer,
        expect(404, 404, **dict.fromkeys(STAFF + OWN, (200, 200))),
    ),
    "volunteers:hours_export": (_volunteer, only(STAFF + OWN, 200, 404)),
}
