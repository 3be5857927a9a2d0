"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import LIAISONS, STAFF, expect, only

OWNERS = ("manager", "owner")


def _core_member(w):
    return {"pk": w.objects["core_member"].pk}


def _referral(w):
    return {"pk": w.objects["core_member"].referrals.get().pk}


def _agreement(w):
    core_member = w.objects["core_member"]
    return {"pk": core_member.pk, "agreement_pk": core_member.sharing_agreements.get().pk}


def _assignment(w):
    core_member = w.objects["core_member"]
    assignment = core_member.liaison_assignments.get(liaison=w.users["liaison_assigned"])
    return {"pk": core_member.pk, "assignment_pk": assignment.pk}


def _document(w):
    from coreMembers.models import ReferralDocument

    referral = w.objects["core_member"].referrals.get()
    document, _ = ReferralDocument.objects.get_or_create(
        referral=referral, title="Matrix document", defaults={"file": "referrals/matrix.pdf"}
    )
    return {"pk": referral.pk, "document_pk": document.pk}


def _change_page(post_status=200):
    """A GET/POST edit page of Core Member A: its owner and managers; the assigned liaison
    sees A's identity, so is refused (403); everyone else is told it does not exist."""
    return expect(
        404,
        404,
        manager=(200, post_status),
        owner=(200, post_status),
        liaison_assigned=(403, 403),
    )


def _referral_page(post_status=200):
    """A GET/POST page of A's referral (made by its coordinator, not by a liaison)."""
    return expect(404, 404, manager=(200, post_status), owner=(200, post_status))


ROWS = {
    "core_members:index": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:export": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:detail": (
        _core_member,
        only(("manager", "owner", "liaison_assigned"), 200, 404),
    ),
    "core_members:audit": (
        _core_member,
        # The assigned liaison may see the Core Member but not the trail.
        only(OWNERS, 200, 404, liaison_assigned=(403, 405)),
    ),
    # The record's edit pages. An empty POST is a form with errors (200), except the
    # statutory form, whose every field is optional: it saves and redirects.
    "core_members:identity_edit": (_core_member, _change_page()),
    "core_members:statutory_edit": (_core_member, _change_page(post_status=302)),
    "core_members:areas_edit": (_core_member, _change_page(post_status=302)),
    "core_members:mappa_add": (_core_member, _change_page()),
    "core_members:risk_assessment_add": (_core_member, _change_page()),
    "core_members:agreement_add": (_core_member, _change_page()),
    "core_members:agreement_withdraw": (_agreement, _change_page()),
    "core_members:liaison_add": (_core_member, _change_page()),
    "core_members:liaison_end": (_assignment, _change_page()),
    # Managers only assign coordinators; the owner and the liaison see A, so 403.
    # The handover page is circles' (it moves the open circle too), reached from here.
    "circles:coordinator_handover": (
        lambda w: {"core_member_pk": w.objects["core_member"].pk},
        expect(404, 404, manager=(200, 200), owner=(403, 403), liaison_assigned=(403, 403)),
    ),
    # Referrals: every staff member and liaison may list and make them; volunteers never.
    "core_members:referrals": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:referral_create": (
        lambda w: {},
        expect(403, 403, **dict.fromkeys(STAFF + LIAISONS, (200, 200))),
    ),
    "core_members:referral_detail": (_referral, only(OWNERS, 200, 404)),
    # A's referral is ACCEPTED: assess and accept are refused on the form (200), decline
    # and withdraw without a reason too.
    "core_members:referral_assess": (_referral, _referral_page()),
    "core_members:referral_accept": (_referral, _referral_page()),
    "core_members:referral_decline": (_referral, _referral_page()),
    "core_members:referral_withdraw": (_referral, _referral_page()),
    "core_members:referral_document_add": (_referral, _referral_page()),
    "core_members:referral_assign": (
        _referral,
        expect(405, 404, manager=(405, 200), owner=(405, 403)),
    ),
    # The matrix's document row names no stored file, so even permitted readers get 404
    # ("file missing"); test_views_referrals downloads a real file as each actor.
    "core_members:referral_document": (_document, only(OWNERS, 404, 404)),
}
