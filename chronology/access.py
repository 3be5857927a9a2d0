"""Who may open a Core Member's chronology (DESIGN §4).

Whoever sees the Core Member (his coordinator and managers; an assigned liaison) or
one of his circles (its volunteers; a covering deputy). What each of them reads there
is decided by each source with its own app's access helpers; everyone else gets 404.
"""

from django.db.models import Q
from django.http import Http404

from circles.access import circles_visible_to
from coreMembers.access import core_member_ids_visible_to
from coreMembers.models import CoreMember


def core_member_for_chronology(user, pk):
    """The Core Member whose chronology ``user`` may read, or 404."""
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such Core Member.")
    core_members = CoreMember.objects.filter(pk=pk)
    if not user.is_manager:
        core_members = core_members.filter(
            Q(pk__in=core_member_ids_visible_to(user))
            | Q(pk__in=circles_visible_to(user).values("core_member_id"))
        )
    core_member = core_members.only(
        "pk", "reference", "first_name", "last_name", "preferred_name"
    ).first()
    if core_member is None:
        raise Http404("No such Core Member.")
    return core_member
