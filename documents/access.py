"""Who may see and add which documents: the rules of the record they are filed on.

- A Core Member's documents: staff who hold his full record read them (managers, the
  coordinator granted him); those who may change him add them. Assigned liaisons see
  his identity and what was shared with them, never his papers (DESIGN §4 gives them
  nothing else); volunteers never see a Core Member's documents.
- A circle's documents: whoever sees the circle reads them (its volunteers too, as they
  read its covenant); those who may change the circle add them.
- A volunteer's documents (references) and DBS decisions: coordinators and managers,
  like the references on the volunteer's page; not the volunteer themselves.

Every ``*_for_user`` helper looks the record (and the document) up through its own
app's helper first (404 when unseen) and only then checks what the user may do (403): an
assigned liaison who sees the Core Member, or a volunteer on their own profile, is told
the documents are not for them (403), everyone else 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from circles.access import can_change_circle, circle_for_user, circles_visible_to
from coreMembers.access import (
    FULL,
    can_change,
    core_member_for_user,
    core_member_ids_visible_to,
    core_members_visible_to,
)
from documents.models import Document
from volunteers.access import can_change_volunteers, volunteer_for_user

VIEW = "view"
ADD = "add"
KINDS = ("core_member", "circle", "volunteer")


def documents_visible_to(user):
    """Every document the user may read, for lists and the chronology (one query)."""
    if not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    if user.is_manager:
        return Document.objects.all()
    if user.is_coordinator:
        return Document.objects.filter(
            Q(core_member__in=core_member_ids_visible_to(user, FULL))
            | Q(circle__in=circles_visible_to(user).values("pk"))
            | Q(volunteer__isnull=False)
        )
    if user.is_volunteer:
        return Document.objects.filter(circle__in=circles_visible_to(user).values("pk"))
    return Document.objects.none()


def owner_for_user(user, kind, pk, perm=VIEW):
    """The record whose documents are asked for: 404 when the user may not see the
    record, 403 when they see it but not its documents (an assigned liaison, the
    volunteer themself) or may read but not add."""
    owner = _visible_owner(user, kind, pk)
    _require(user, kind, owner, perm)
    return owner


def _visible_owner(user, kind, pk):
    if kind == "core_member":
        return core_member_for_user(user, pk)
    if kind == "circle":
        return circle_for_user(user, pk)
    if kind == "volunteer":
        return volunteer_for_user(user, pk)
    raise Http404("No such documents.")


def _require(user, kind, owner, perm):
    if kind == "core_member":
        if not user.is_case_staff:
            raise PermissionDenied("A Core Member's documents are for staff.")
        # Staff who see him and hold his full record (every manager does).
        if not user.is_manager and not (
            core_members_visible_to(user, FULL).filter(pk=owner.pk).exists()
        ):
            raise PermissionDenied("You do not hold this Core Member's full record.")
    elif kind == "volunteer" and not can_change_volunteers(user):
        raise PermissionDenied("A volunteer's documents are for staff.")
    if perm == ADD and not may_add_document(user, owner):
        raise PermissionDenied("You may read these documents but not add to them.")


def may_add_document(user, owner):
    """Who files a document on a record: those who may change that record.

    The services ask this again, whoever calls them."""
    if not user.is_active or not user.is_case_staff:
        return False
    kind = owner_kind(owner)
    if kind == "core_member":
        return can_change(user, owner)
    if kind == "circle":
        return can_change_circle(user, owner)
    return can_change_volunteers(user)


def may_see_documents(user, owner):
    """Whether the documents section shows at all on ``owner``'s page (no query)."""
    if not user.is_active:
        return False
    kind = owner_kind(owner)
    if kind == "circle":
        return True  # the page itself was reached through circle_for_user
    return user.is_case_staff


def owner_kind(owner):
    label = owner._meta.label_lower
    return {
        "core_members.coremember": "core_member",
        "circles.circle": "circle",
        "volunteers.volunteer": "volunteer",
    }[label]


def documents_of(owner):
    return Document.objects.filter(**{owner_kind(owner): owner})


def document_for_user(user, kind, pk, doc_pk):
    """A document, found (or 404) through its record before any permission is checked,
    so another record's document answers 404 even to those who may not read this one's."""
    owner = _visible_owner(user, kind, pk)
    document = documents_of(owner).filter(pk=doc_pk).select_related("uploaded_by").first()
    if document is None:
        raise Http404("No such document.")
    _require(user, kind, owner, VIEW)
    setattr(document, kind, owner)
    return document


def dbs_check_for_user(user, pk, check_pk, perm=VIEW):
    """A volunteer's DBS check with its decision, for staff only: 404 for a check of
    another volunteer, 403 for the volunteer themself."""
    volunteer = _visible_owner(user, "volunteer", pk)
    check = volunteer.dbs_checks.filter(pk=check_pk).select_related("decision").first()
    if check is None:
        raise Http404("No such DBS check.")
    _require(user, "volunteer", volunteer, perm)
    check.volunteer = volunteer
    return check
