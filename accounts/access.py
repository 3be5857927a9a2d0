"""Object-permission grants shared by every app (django-guardian, direct FK tables).

Grants and revocations are made only by services; views read them through each
app's ``access`` module.
"""

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, remove_perm


def grant(user_or_group, obj, *codenames):
    for codename in codenames:
        assign_perm(codename, user_or_group, obj)


def revoke(user_or_group, obj, *codenames):
    for codename in codenames:
        remove_perm(codename, user_or_group, obj)


def revoke_all(user):
    """Remove every object permission and group a user holds (deactivation)."""
    from circles.models import CircleUserObjectPermission
    from coreMembers.models import (
        CoreMemberUserObjectPermission,
        InformationSharingRecordUserObjectPermission,
    )

    for model in (
        CircleUserObjectPermission,
        CoreMemberUserObjectPermission,
        InformationSharingRecordUserObjectPermission,
    ):
        model.objects.filter(user=user).delete()
    user.groups.clear()


def circle_group_name(circle_pk):
    return f"circle-{circle_pk}-volunteers"


def circle_group(circle):
    if circle.volunteer_group_id is None:
        group, _ = Group.objects.get_or_create(name=circle_group_name(circle.pk))
        circle.volunteer_group = group
        circle.save(update_fields=["volunteer_group"])
    return circle.volunteer_group
