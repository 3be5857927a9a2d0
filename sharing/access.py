"""Who may read, acknowledge or change which shared record (DESIGN §4).

Managers read all, the owning coordinator reads their Core Members' records, liaisons
read and acknowledge what was sent to them. ``record_for_user`` looks the record up
first (404 when unseen) and only then checks what the user may do with it (403).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404

from coreMembers.access import FULL, core_member_ids_visible_to, cover_role
from coreMembers.models import CoreMember, CoreMemberUserObjectPermission, LiaisonAssignment
from sharing.models import (
    InformationSharingRecord,
    InformationSharingRecordUserObjectPermission,
    RecordRecipient,
)

# What may be done with a shared record (record_for_user).
RECORD_READ = "view"
RECORD_ACKNOWLEDGE = "acknowledge"
RECORD_CHANGE = "change"


def records_visible_to(user):
    """Shared records the user may read."""
    if not user.is_authenticated or not user.is_active:
        return InformationSharingRecord.objects.none()
    records = InformationSharingRecord.objects.all()
    if user.is_manager:
        return records
    if user.is_coordinator:
        return records.filter(_record_core_member_granted(user))
    if user.is_liaison:
        # Only what was shared with them, never drafts.
        return records.shared().filter(
            Exists(
                InformationSharingRecordUserObjectPermission.objects.filter(
                    user=user,
                    permission__codename="view_informationsharingrecord",
                    content_object=OuterRef("pk"),
                )
            )
        )
    return records.none()


def acknowledgements_visible_to(user):
    """Recipients' acknowledgements the user may read: staff every recipient's of the
    records they read; a liaison only their own (as the record page shows them)."""
    if user.is_authenticated and user.is_active and user.is_manager:
        # Every record: no subquery of them all for the planner to weigh.
        return RecordRecipient.objects.all()
    recipients = RecordRecipient.objects.filter(record__in=records_visible_to(user))
    if user.is_authenticated and user.is_liaison:
        recipients = recipients.filter(liaison=user)
    return recipients


def _record_core_member_granted(user):
    return Exists(
        CoreMemberUserObjectPermission.objects.filter(
            user=user, permission__codename=FULL, content_object=OuterRef("core_member_id")
        )
    )


def with_viewer_cover(records, user):
    """Each record with ``viewer_cover_role``: for a liaison, the role they cover its Core
    Member in now (NULL once the cover ended: the page then names him by reference only)."""
    if user.is_authenticated and user.is_liaison:
        return records.annotate(viewer_cover_role=cover_role(user, "core_member_id"))
    return records


def shows_core_member_name(user, obj):
    """Whether a page names the Core Member of ``obj`` (a record or a Core Member annotated
    by ``with_viewer_cover`` / ``core_member_for_user``) to ``user``: staff who read it
    always, a liaison only while they cover him."""
    if not user.is_liaison:
        return True
    return getattr(obj, "viewer_cover_role", None) is not None


def record_for_user(user, pk, perm=RECORD_READ):
    record = (
        with_viewer_cover(records_visible_to(user), user)
        .filter(pk=pk)
        .select_related("core_member", "created_by", "shared_by", "approved_by")
        .first()
    )
    if record is None:
        raise Http404("No such record.")
    if perm == RECORD_ACKNOWLEDGE and not record.recipients.filter(liaison=user).exists():
        raise PermissionDenied("Only a recipient acknowledges a record.")
    if perm == RECORD_CHANGE and not user.is_case_staff:
        raise PermissionDenied("You may read this record but not change it.")
    return record


def core_members_covered_by(user):
    """The Core Members a liaison covers now: an open assignment and its identity grant
    both. The page is a liaison's own: anyone else gets 404."""
    if not (user.is_authenticated and user.is_active and user.is_liaison):
        raise Http404("This page is a liaison's own.")
    covering = LiaisonAssignment.objects.open().filter(liaison=user, core_member=OuterRef("pk"))
    return CoreMember.objects.filter(Exists(covering), pk__in=core_member_ids_visible_to(user))
