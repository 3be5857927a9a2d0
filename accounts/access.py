"""Who may do what in accounts: issuing a manager's enrolment code.

The grants themselves (guardian rows, the circle groups) are written by
``accounts.grants``, through the services.
"""


def may_issue_enrolment_code(acting_user, target) -> bool:
    """Managers, with the second factor passed, issue enrolment codes for other active users.

    Not for themselves: a manager with a verified session sets up their own factor directly.
    """
    is_verified = getattr(acting_user, "is_verified", None)
    return (
        acting_user.is_authenticated
        and acting_user.is_active
        and acting_user.is_manager
        and callable(is_verified)
        and is_verified()
        and target.is_active
        and target.pk != acting_user.pk
    )


def enrolment_code_target_for_user(acting_user, pk):
    """The user a manager issues an enrolment code for; 404 for anyone else or a wrong pk."""
    from django.http import Http404

    from accounts.models import User

    target = User.objects.filter(pk=pk).first()
    if target is None or not may_issue_enrolment_code(acting_user, target):
        raise Http404
    return target
