"""Permission-matrix rows for expense claims, supervision due and debriefs."""

from decimal import Decimal

from django.utils import timezone

from cosa.tests.matrix_support import STAFF, VOLUNTEERS, expect, only


def _claim(w):
    """The in-circle volunteer's claim for circle A (made once per world)."""
    from volunteering.models import ExpenseClaim

    if "claim" not in w.objects:
        w.objects["claim"] = ExpenseClaim.objects.create(
            volunteer=w.objects["volunteer"],
            circle=w.objects["circle"],
            kind=ExpenseClaim.Kind.MILEAGE,
            incurred_on=timezone.localdate(),
            description="Drive to the meeting",
            miles=Decimal("10"),
            pence_per_mile=45,
            amount=Decimal("4.50"),
        )
    return {"pk": w.objects["claim"].pk}


def _debrief(w):
    """The in-circle volunteer's debrief, offered after the world's RED concern."""
    from volunteering.models import SupervisionDebrief

    debrief = SupervisionDebrief.objects.get(
        volunteer=w.objects["volunteer"], concern=w.objects["concern"]
    )
    return {"pk": debrief.pk}


ROWS = {
    # A volunteer's own claims; only volunteers make claims.
    "volunteering:claims": (lambda w: {}, only(VOLUNTEERS, 200, 404)),
    # An empty claim is a form error (200); a volunteer who left still claims for the past.
    "volunteering:claim_new": (
        lambda w: {},
        expect(404, 404, **dict.fromkeys(VOLUNTEERS, (200, 200))),
    ),
    "volunteering:queue": (lambda w: {}, only(STAFF, 200, 404)),
    # The payment run: managers only; a POST downloads the payment file.
    "volunteering:payment": (lambda w: {}, expect(404, 404, manager=(200, 200))),
    # The mileage rate: managers only; an empty rate is a form error on the page.
    "volunteering:mileage_rate": (lambda w: {}, expect(404, 404, manager=(200, 200))),
    # The claimant reads it and may not decide it; the coordinator and a manager decide
    # (an empty decision is a form error on the page).
    "volunteering:claim_detail": (
        _claim,
        expect(404, 404, manager=(200, 200), owner=(200, 200), volunteer_in_circle=(200, 403)),
    ),
    "volunteering:claim_receipt": (_claim, expect(404, 405)),
    "volunteering:supervision": (lambda w: {}, only(STAFF, 200, 404)),
    # POST only; an empty date is a message and a redirect back.
    "volunteering:debrief_record": (
        _debrief,
        expect(405, 404, manager=(405, 302), owner=(405, 302)),
    ),
}
