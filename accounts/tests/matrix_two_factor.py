"""Permission-matrix rows for the two-factor enrolment pages."""

from accounts.models import User
from cosa.tests.matrix_support import expect


def _never_logged_in_volunteer(world):
    # A volunteer of circle A who is not a matrix actor, so has no second factor.
    return {"pk": User.objects.get(first_name="Ida", last_name="Second").pk}


ROWS = {
    # The matrix's sessions have passed the second factor: enrolment sends them to set-up.
    "accounts:two_factor_enrol": (lambda w: {}, expect(302, 302)),
    # Managers only; the POST issues a code, shown once on the page it redirects to.
    "accounts:two_factor_enrolment_code": (
        _never_logged_in_volunteer,
        expect(404, 404, manager=(200, 302)),
    ),
}
