"""Permission-matrix rows for lone working."""

import datetime

from django.utils import timezone

from cosa.tests.matrix_support import VOLUNTEERS, expect, only


def _checkin(w):
    """The in-circle volunteer's check-in, made once per world."""
    from loneworking import services
    from loneworking.models import CheckIn

    found = CheckIn.objects.filter(volunteer=w.users["volunteer_in_circle"]).first()
    if found is None:
        found, _ = services.checkin_start(
            circle=w.objects["circle"],
            kind="ONE_TO_ONE",
            venue="Fictional café",
            expected_end_at=timezone.now() + datetime.timedelta(hours=2),
            phone="07700 900321",
            acting_user=w.users["volunteer_in_circle"],
        )
    return found


def _alert(w):
    from loneworking.models import Alert

    checkin = _checkin(w)
    alert = Alert.objects.filter(checkin=checkin).first()
    return alert or Alert.objects.create(checkin=checkin, step=Alert.Step.HELP)


IN_CIRCLE = ("volunteer_in_circle",)
ROWS = {
    # A volunteer's own list; nobody else has one.
    "loneworking:mine": (lambda w: {}, only(VOLUNTEERS, 200, 404)),
    # Checking in needs an open circle (the leaver has none); a POST of nothing is the
    # form again with its errors.
    "loneworking:check_in": (
        lambda w: {},
        expect(
            404,
            404,
            volunteer_in_circle=(200, 200),
            volunteer_other_circle=(200, 200),
        ),
    ),
    "loneworking:detail": (lambda w: {"pk": _checkin(w).pk}, only(IN_CIRCLE, 200, 404)),
    "loneworking:check_out": (
        lambda w: {"pk": _checkin(w).pk},
        expect(405, 404, volunteer_in_circle=(405, 302)),
    ),
    "loneworking:help": (
        lambda w: {"pk": _checkin(w).pk},
        expect(405, 404, volunteer_in_circle=(405, 302)),
    ),
    # The phone number and venue: the circle's coordinator and managers (and whoever
    # the alert went to).
    "loneworking:alert": (lambda w: {"pk": _alert(w).pk}, only(("manager", "owner"), 200, 404)),
    # By token, never by login: a wrong token is not found for everyone.
    "loneworking:link": (
        lambda w: {"token": "not-a-real-token"},
        expect(404, 405, anonymous=(404, 405), deactivated=(404, 405)),
    ),
    "loneworking:link_check_out": (
        lambda w: {"token": "not-a-real-token"},
        expect(405, 404, anonymous=(405, 404), deactivated=(405, 404)),
    ),
    "loneworking:link_help": (
        lambda w: {"token": "not-a-real-token"},
        expect(405, 404, anonymous=(405, 404), deactivated=(405, 404)),
    ),
}
