from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User, email_key
from cosa.services import service, validated_save

MANAGERS_GROUP = "Managers"
# Managers read every project model in the admin and change none there: every
# change goes through a service, which keeps the grants and audit trail in one place.
MANAGER_ADMIN_APPS = (
    "accounts",
    "volunteers",
    "core_members",
    "circles",
    "sharing",
    "outcomes",
    "privacy",
    "reports",
)


def managers_group() -> Group:
    """The group holding the model-level ``view_<model>`` permissions of the project apps.

    Only the plain per-model view permissions: custom ones such as ``view_identity``
    stay object permissions, granted by services.
    """
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    view_perms = [
        perm
        for perm in Permission.objects.filter(
            content_type__app_label__in=MANAGER_ADMIN_APPS, codename__startswith="view_"
        ).select_related("content_type")
        if perm.codename == f"view_{perm.content_type.model}"
    ]
    group.permissions.set(view_perms)
    return group


@service
@transaction.atomic
def user_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    password: str | None = None,
    agency: Agency | None = None,
    phone: str = "",
    acting_user: User | None = None,
) -> User:
    email = email_key(email)
    if not email.isascii():
        # Look-alike letters (a dotless i, Cyrillic a) would make an address that reads
        # as a colleague's: accounts use plain ASCII addresses only.
        raise ValidationError(
            {"email": "Use an e-mail address in plain letters, digits and punctuation."}
        )
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        agency=agency,
        phone=phone,
        is_staff=role == User.Role.MANAGER,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    validated_save(user)
    if user.is_staff:
        # is_staff alone opens the admin's door but no page behind it.
        user.groups.add(managers_group())
    return user


@service
@transaction.atomic
def user_deactivate(*, user: User, acting_user: User | None = None) -> User:
    """Deactivate an account: it can no longer log in and sees nothing."""
    from accounts import grants

    user.is_active = False
    user.deactivated_at = timezone.now()
    validated_save(user, update_fields=["is_active", "deactivated_at"])
    grants.revoke_all(user)
    from accounts.signals import user_deactivated

    user_deactivated.send(sender=User, user=user)
    return user
