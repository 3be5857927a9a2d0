"""Who may read the audit trail, and who may read the values it records.

The trail is the managers' (the data protection lead's): anyone else gets 404, the
page does not exist for them. What a change wrote into a sensitive field (offence
details, risk notes, the minutes, what was shared: ``Kind.sensitive`` in
``privacy.audit_trail``), and the free text of an access-log row (a search term, a
refusal's reason), is shown only to a manager who also holds the
``privacy.view_sensitive_audit_values`` permission (``manage.py audit_values_access``);
other managers read that the field changed, and by whom, with the values hidden.
"""

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
    return may_read_audit_trail(user) and user.has_perm(SENSITIVE_VALUES)
