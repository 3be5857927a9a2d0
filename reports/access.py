"""Who may generate which report (DESIGN §4: reports are for managers and own caseload).

A meeting report is about one Core Member: his coordinator (who holds his full record)
and managers generate it; anyone else who cannot see him gets 404, and an assigned
liaison, who sees who he is but not his circle, gets 403.
"""

from accounts.models import User
from coreMembers.access import CHANGE, FULL, can_change, core_member_for_user


def report_core_member_for_user(user, pk):
    """The Core Member whose meeting report ``user`` may generate, else 404 / 403."""
    return core_member_for_user(user, pk, FULL, roles=User.STAFF_ROLES)


def summary_core_member_for_user(user, pk):
    """The Core Member whose report summary ``user`` may write: his coordinator, managers."""
    return core_member_for_user(user, pk, CHANGE, roles=User.STAFF_ROLES)


def may_write_summary(user, core_member):
    return user.role in User.STAFF_ROLES and can_change(user, core_member)


def may_manage_templates(user):
    return user.is_authenticated and user.is_active and user.is_manager


def may_see_service_workload(user):
    """The work waiting across the whole service, by coordinator: managers only."""
    return user.is_authenticated and user.is_active and user.is_manager
