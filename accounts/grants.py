"""Object-permission grants shared by every app (django-guardian, direct FK tables).

Grants and revocations are made only by services; who may see or do what is decided
by each app's ``access`` module, which reads them.
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
    """Remove every object permission and group a user holds (deactivation).

    Every object-permission table counts, the apps' direct-foreign-key ones included,
    found by their base class: a table added later is revoked too, and this bottom
    layer names none of the apps above it.
    """
    from django.apps import apps
    from guardian.models import UserObjectPermissionBase

    for model in apps.get_models():
        if issubclass(model, UserObjectPermissionBase):
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
