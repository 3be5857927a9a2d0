"""Who may read the audit trail, and who may read the values it records.

The trail is the managers' (the data protection lead's): anyone else gets 404, the
page does not exist for them. What a change wrote into a sensitive field (offence
details, risk notes, the minutes, what was shared: ``Kind.sensitive`` in
``privacy.audit_trail``), and the free text of an access-log row (a search term, a
refusal's reason), is shown only to a manager who also holds the
``privacy.view_sensitive_audit_values`` permission (``manage.py audit_values_access``);
other managers read that the field changed, and by whom, with the values hidden.
"""

from django.db.models import Q
from django.http import Http404

SENSITIVE_VALUES = "privacy.view_sensitive_audit_values"


def may_read_audit_trail(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_manager


def audit_trail_reader(user):
    """The user, if they may read the audit trail; 404 for anyone else."""
    if not may_read_audit_trail(user):
        raise Http404("No such page.")
    return user


def sees_sensitive_audit_values(user) -> bool:
    """Asked once per request in one query: ``has_perm`` would load every permission the
    user holds directly and through groups (two queries) to answer this one."""
    if not may_read_audit_trail(user):
        return False
    cached = getattr(user, "_sees_sensitive_audit_values", None)
    if cached is None:
        from django.contrib.auth.models import Permission

        app_label, codename = SENSITIVE_VALUES.split(".")
        cached = user.is_superuser or (
            Permission.objects.filter(Q(user=user) | Q(group__user=user))
            .filter(codename=codename, content_type__app_label=app_label)
            .exists()
        )
        user._sees_sensitive_audit_values = cached
    return cached
