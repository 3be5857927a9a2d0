"""Permission-matrix rows for the privacy and retention pages (manager only)."""

from cosa.tests.matrix_support import expect, only


def _core_member(w):
    return {"pk": w.objects["core_member"].pk}


def _get_page():
    # Those who see the record but are not the manager get 403; the rest 404.
    return expect(404, 405, manager=(200, 405), owner=(403, 405), liaison_assigned=(403, 405))


def _post_action(manager_post):
    return expect(
        405, 404, manager=(405, manager_post), owner=(405, 403), liaison_assigned=(405, 403)
    )


ROWS = {
    "privacy:privacy": (lambda w: {}, only(("manager",), 200, 403)),
    "privacy:privacy_record": (_core_member, _get_page()),
    "privacy:subject_access": (_core_member, _get_page()),
    # An empty hold form is refused with a message on the record's privacy page.
    "privacy:legal_hold": (_core_member, _post_action(302)),
    # An empty erase form is a 400 (and the world's Core Member has an open circle).
    "privacy:erase": (_core_member, _post_action(400)),
    # The audit trail: the managers' only; it does not exist for anyone else (404).
    "privacy:audit": (lambda w: {}, only(("manager",), 200, 404)),
    "privacy:audit_export": (lambda w: {}, only(("manager",), 200, 404)),
}
