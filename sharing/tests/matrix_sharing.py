"""Permission-matrix rows for the shared-record URL patterns (in coreMembers/urls.py).

The world's record is SHARED (URGENT) by ``owner`` to ``liaison_assigned``. POSTs carry
no data, so a form page answers 200 with its errors; an action refused by its service
(approving a record that is not awaiting approval) redirects with a message.
"""

from cosa.tests.matrix_support import LIAISONS, STAFF, expect, only

READERS = ("manager", "owner", "liaison_assigned")


def _record(w):
    return {"pk": w.objects["record"].pk}


ROWS = {
    # A liaison's own caseload: the unassigned liaison sees an empty list, others 404.
    "sharing:my_core_members": (lambda w: {}, only(LIAISONS, 200, 404)),
    "sharing:records": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "sharing:record_approvals": (lambda w: {}, only(STAFF, 200, 403)),
    "sharing:record_detail": (_record, only(READERS, 200, 404)),
    "sharing:record_print": (_record, only(READERS, 200, 404)),
    "sharing:record_acknowledge": (
        _record,
        expect(
            405,
            404,
            # Readers who are not recipients may see the record but not acknowledge it.
            manager=(405, 403),
            owner=(405, 403),
            liaison_assigned=(405, 200),
        ),
    ),
    "sharing:record_approve": (
        _record,
        expect(405, 404, manager=(405, 302), owner=(405, 302), liaison_assigned=(405, 403)),
    ),
    "sharing:record_decline": (
        _record,
        expect(405, 404, manager=(405, 200), owner=(405, 200), liaison_assigned=(405, 403)),
    ),
    # The world's record is shared: nobody may change it, staff included.
    "sharing:record_edit": (
        _record,
        expect(404, 404, manager=(403, 403), owner=(403, 403), liaison_assigned=(403, 403)),
    ),
    "sharing:record_addendum": (
        _record,
        expect(404, 404, manager=(200, 200), owner=(200, 200), liaison_assigned=(403, 403)),
    ),
    "sharing:record_compose": (
        lambda w: {"pk": w.objects["core_member"].pk},
        expect(404, 404, manager=(200, 200), owner=(200, 200), liaison_assigned=(403, 403)),
    ),
}
