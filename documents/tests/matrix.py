"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py).

A Core Member's documents: staff holding his record read them (404 to everyone else,
403 to the assigned liaison who sees him). A circle's: whoever sees the circle reads
them, its coordinator and managers add. A volunteer's (and their DBS decisions): staff;
403 to the volunteer themself. The matrix's documents name no stored file, so permitted
readers get 404 ("file missing"); test_views downloads a real file.
"""

import datetime

from cosa.tests.matrix_support import STAFF, expect

READERS = ("manager", "owner")


def _document(w, kind, key=None):
    """A document (no stored file) on the world's ``key`` object (default ``kind``)."""
    from documents.models import Document

    owner = w.objects[key or kind]
    document, _ = Document.objects.get_or_create(
        **{kind: owner},
        title="Matrix document",
        defaults={
            "category": "OTHER",
            "document_date": datetime.date(2026, 1, 5),
            "file": "documents/matrix.pdf",
            "original_name": "matrix.pdf",
            "size": 10,
            "sha256": "0" * 64,
            "uploaded_by": w.users["owner"],
        },
    )
    return {"pk": owner.pk, "doc_pk": document.pk}


def _check(w):
    volunteer = w.objects["volunteer"]
    return {"pk": volunteer.pk, "check_pk": volunteer.dbs_checks.first().pk}


def _owner(kind):
    return lambda w: {"pk": w.objects[kind].pk}


def _list(readers, told_not):
    return expect(404, 405, **dict.fromkeys(readers, (200, 405)), **{told_not: (403, 405)})


def _form(adders, told_not):
    return expect(404, 404, **dict.fromkeys(adders, (200, 200)), **{told_not: (403, 403)})


def _download(readers, told_not):
    return expect(404, 405, **dict.fromkeys(readers, (404, 405)), **{told_not: (403, 405)})


ROWS = {
    "documents:core_member_list": (
        _owner("core_member"),
        _list(READERS, "liaison_assigned"),
    ),
    "documents:core_member_add": (_owner("core_member"), _form(READERS, "liaison_assigned")),
    "documents:core_member_download": (
        lambda w: _document(w, "core_member"),
        _download(READERS, "liaison_assigned"),
    ),
    "documents:circle_list": (
        _owner("circle"),
        expect(404, 405, **dict.fromkeys((*READERS, "volunteer_in_circle"), (200, 405))),
    ),
    "documents:circle_add": (_owner("circle"), _form(READERS, "volunteer_in_circle")),
    "documents:circle_download": (
        lambda w: _document(w, "circle"),
        expect(404, 405, **dict.fromkeys((*READERS, "volunteer_in_circle"), (404, 405))),
    ),
    "documents:volunteer_list": (_owner("volunteer"), _list(STAFF, "volunteer_in_circle")),
    "documents:volunteer_add": (_owner("volunteer"), _form(STAFF, "volunteer_in_circle")),
    "documents:volunteer_download": (
        lambda w: _document(w, "volunteer"),
        _download(STAFF, "volunteer_in_circle"),
    ),
    "documents:dbs_decision": (_check, _form(STAFF, "volunteer_in_circle")),
    # The world's checks have no decision, so no scan: 404 for staff too.
    "documents:dbs_scan": (_check, _download(STAFF, "volunteer_in_circle")),
}
