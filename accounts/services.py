from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from cosa.services import validated_save


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
    user = User(
        email=User.objects.normalize_email(email).lower(),
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
    return user


@transaction.atomic
def user_deactivate(*, user: User, acting_user: User | None = None) -> User:
    """Deactivate an account: it can no longer log in and sees nothing."""
    from accounts import access

    user.is_active = False
    user.deactivated_at = timezone.now()
    validated_save(user, update_fields=["is_active", "deactivated_at"])
    access.revoke_all(user)
    return user
