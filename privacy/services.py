"""Writes of the privacy app beyond retention (privacy/retention.py)."""

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from cosa.services import service


def _sensitive_values_permission():
    return Permission.objects.get(
        content_type__app_label="privacy", codename="view_sensitive_audit_values"
    )


@service
@transaction.atomic
def audit_values_access_set(*, user: User, allowed: bool, acting_user: User | None = None):
    """Give a manager (the data protection lead) sight of the audit trail's sensitive
    values, or take it back. Only an active manager may hold it."""
    permission = _sensitive_values_permission()
    if not allowed:
        user.user_permissions.remove(permission)
        return user
    if not (user.is_active and user.is_manager):
        raise ValidationError("Only an active manager may see the audit trail's values.")
    user.user_permissions.add(permission)
    return user
