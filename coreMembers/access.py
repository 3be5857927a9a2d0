"""Who may see which Core Member (DESIGN §4); the shared records are in sharing.access.

Three levels of a Core Member: the full record (coordinator who owns it,
managers), identity plus shared records (assigned liaisons), and the briefing
(volunteers, reached through their circle: see circles.access). Shared records:
managers read all, the owning coordinator reads their Core Members' records,
liaisons read and acknowledge what was sent to them. Referrals: staff see those of
Core Members whose full record they hold; a liaison sees those they made, until some
time after the decision unless they are assigned to the Core Member, and never the
decision note (the template shows it to staff only).

Every ``*_for_user`` helper looks the object up first (404 when unseen, including a
nested object that belongs to another Core Member) and only then checks what the user
may do with it (403), so a role check never answers for an object the user cannot see.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404

from coreMembers.models import (
    CoreMember,
    CoreMemberUserObjectPermission,
    LiaisonAssignment,
    Referral,
    referrer_sees_days,
)

FULL = "view_coremember"
CHANGE = "change_coremember"
IDENTITY = "view_identity"


def _core_member_granted(user, codename):
    return Exists(
        CoreMemberUserObjectPermission.objects.filter(
            user=user, permission__codename=codename, content_object=OuterRef("pk")
        )
    )


def core_members_visible_to(user, perm=IDENTITY):
    """Core Members the user may see at ``perm`` level (identity, full, change)."""
    if not user.is_authenticated or not user.is_active:
        return CoreMember.objects.none()
    if user.is_manager:
        return CoreMember.objects.all()
    if user.is_coordinator:
        return CoreMember.objects.filter(_core_member_granted(user, perm))
    if user.is_liaison and perm == IDENTITY:
        return CoreMember.objects.filter(_core_member_granted(user, IDENTITY))
    return CoreMember.objects.none()


def core_member_ids_visible_to(user, perm=IDENTITY):
    """The pks of ``core_members_visible_to(user, perm)``, as a subquery for ``__in``.

    For coordinators and liaisons these are the grant rows themselves: PostgreSQL plans
    ``core_member_id IN (grants)`` from the user's few grants, where the EXISTS form
    made it scan every waiting record at national scale.
    """
    if (
        user.is_authenticated
        and user.is_active
        and (user.is_coordinator or (user.is_liaison and perm == IDENTITY))
    ):
        return CoreMemberUserObjectPermission.objects.filter(
            user=user, permission__codename=perm
        ).values("content_object_id")
    return core_members_visible_to(user, perm).values("pk")


def cover_role(user, core_member_ref="pk"):
    """An expression: the role of ``user``'s current assignment to the Core Member at
    ``core_member_ref``, else NULL.

    A liaison sees a Core Member's name and their agency's reference only while they
    cover him; a liaison whose cover ended (who may still hold a record until its
    grants are taken back) sees the CM- reference alone.
    """
    return Subquery(
        LiaisonAssignment.objects.open()
        .filter(liaison=user, core_member=OuterRef(core_member_ref))
        .values("role")[:1]
    )


def sees_full_record(user):
    return user.is_case_staff


def full_record_filter(user, field="core_member_id"):
    """A filter keeping rows whose Core Member (``field``) the user holds the full record
    of, or None when they hold none: the chronology's record entries ask it inside their
    own query, so the grant costs no query of its own."""
    if not user.is_authenticated or not user.is_active or not sees_full_record(user):
        return None
    if user.is_manager:
        return Q()
    return Q(**{f"{field}__in": core_member_ids_visible_to(user, FULL)})


def core_member_for_user(user, pk, perm=IDENTITY, *, roles=None, latest_circle=False):
    """The Core Member, or 404 when unseen; 403 when seen but ``perm`` is not held or the
    page is for other ``roles``. With ``latest_circle`` his latest circle comes in the same
    query (``latest_circle_of``)."""
    core_member = _visible_core_member(user, pk, perm, latest_circle=latest_circle)
    _require(user, core_member, perm, roles)
    return core_member


def _visible_core_member(user, pk, perm=IDENTITY, *, latest_circle=False):
    core_members = core_members_visible_to(user).filter(pk=pk).select_related("coordinator")
    if latest_circle:
        core_members = core_members.with_latest_circle()
    if user.is_coordinator:
        # Whether they may also change him (``can_change``), and hold the full record
        # when the page asks for it (``_require``), in the same query.
        core_members = core_members.annotate(change_granted=_core_member_granted(user, CHANGE))
        if perm not in (IDENTITY, CHANGE):
            core_members = core_members.annotate(perm_granted=_core_member_granted(user, perm))
    elif user.is_liaison:
        core_members = core_members.annotate(viewer_cover_role=cover_role(user))
    core_member = core_members.first()
    if core_member is None:
        raise Http404("No such Core Member.")
    if user.is_coordinator:
        core_member._change_granted_to = (user.pk, core_member.change_granted)
        if perm not in (IDENTITY, CHANGE):
            core_member._perm_granted_to = (user.pk, perm, core_member.perm_granted)
    return core_member


def _require(user, core_member, perm, roles):
    if roles is not None and user.role not in roles:
        raise PermissionDenied("This page is not for your role.")
    if perm == CHANGE:
        if not can_change(user, core_member):
            raise PermissionDenied("You may not change this record.")
    elif perm != IDENTITY and not _holds(user, core_member, perm):
        raise PermissionDenied("You may not do that with this Core Member.")


def _holds(user, core_member, perm):
    if user.is_authenticated and user.is_active and user.is_manager:
        return True  # a manager holds every level of every Core Member
    # Answered by the lookup's own query when it was made for this user and level.
    fetched_for, fetched_perm, granted = getattr(core_member, "_perm_granted_to", (0, 0, 0))
    if (fetched_for, fetched_perm) == (user.pk, perm):
        return granted
    return core_members_visible_to(user, perm).filter(pk=core_member.pk).exists()


def _child_for_user(user, pk, related, child_pk, perm, roles, missing):
    """An object of a Core Member, found (or 404) before any permission is checked."""
    core_member = _visible_core_member(user, pk)
    child = getattr(core_member, related).filter(pk=child_pk).first()
    if child is None:
        raise Http404(missing)
    _require(user, core_member, perm, roles)
    child.core_member = core_member
    return child


def sharing_agreement_for_user(user, pk, agreement_pk, perm=CHANGE):
    return _child_for_user(
        user, pk, "sharing_agreements", agreement_pk, perm, None, "No such agreement."
    )


def liaison_assignment_for_user(user, pk, assignment_pk, perm=CHANGE):
    return _child_for_user(
        user, pk, "liaison_assignments", assignment_pk, perm, None, "No such assignment."
    )


def can_change(user, core_member):
    """Staff holding the change grant on this Core Member may edit him and decide referrals."""
    if not sees_full_record(user):
        return False
    # A Core Member looked up for this user above carries the answer from its own query.
    fetched_for, granted = getattr(core_member, "_change_granted_to", (None, False))
    if fetched_for == user.pk:
        return granted
    return core_members_visible_to(user, CHANGE).filter(pk=core_member.pk).exists()


def referrals_visible_to(user):
    """Staff see the referrals of Core Members whose full record they hold; a liaison sees
    the referrals they made. Unassigned referrals wait for a manager."""
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none()
    if user.is_manager:
        return Referral.objects.all()
    if user.is_coordinator:
        return Referral.objects.filter(
            core_member__in=core_members_visible_to(user, FULL).values("pk")
        )
    if user.is_liaison:
        return Referral.objects.seen_by_referrer(user)
    return Referral.objects.none()


def referral_for_user(user, pk, *, change=False, roles=None):
    """The referral, 404 when unseen; 403 when seen but ``change`` is not allowed or the
    page is for other ``roles``."""
    referral = (
        referrals_visible_to(user)
        .filter(pk=pk)
        .select_related("core_member", "source_agency", "coordinator", "decided_by", "created_by")
        .first()
    )
    if referral is None:
        raise Http404("No such referral.")
    if roles is not None and user.role not in roles:
        raise PermissionDenied("This page is not for your role.")
    if change and not can_change(user, referral.core_member):
        raise PermissionDenied("You may read this referral but not decide it.")
    return referral


def referrer_sees_until(user, referral):
    """When the referral leaves its referrer's view, or None while it has no end (not yet
    decided, or the referrer is assigned to the Core Member)."""
    if referral.decided_at is None or (
        LiaisonAssignment.objects.open()
        .filter(liaison=user, core_member_id=referral.core_member_id)
        .exists()
    ):
        return None
    return referral.decided_at + datetime.timedelta(days=referrer_sees_days())


def referral_documents_visible_to(user, referral):
    """Staff see every document of a referral they see; its referrer only what they
    uploaded themselves (what they submitted), never documents staff added."""
    documents = referral.documents.select_related("uploaded_by")
    if sees_full_record(user):
        return documents
    return documents.filter(uploaded_by=user)


def referral_document_for_user(user, pk, document_pk):
    referral = referral_for_user(user, pk)
    document = referral_documents_visible_to(user, referral).filter(pk=document_pk).first()
    if document is None:
        raise Http404("No such document.")
    document.referral = referral
    return document
