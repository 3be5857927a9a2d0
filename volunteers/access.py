"""Who may see which volunteer record (DESIGN §4).

Coordinators and managers see the whole pool (they match from it); a volunteer
sees only their own profile; liaisons never see volunteers' identities.
Supervision notes: managers all, a coordinator the sessions they held.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from volunteers.models import SupervisionSession, Volunteer


def volunteers_visible_to(user):
    if not user.is_authenticated or not user.is_active:
        return Volunteer.objects.none()
    if user.is_case_staff:
        return Volunteer.objects.all()
    if user.is_volunteer:
        return Volunteer.objects.filter(user=user)
    return Volunteer.objects.none()


VIEW = "view"
CHANGE = "change"
# Hours are the one thing a volunteer writes on their own record.
LOG_HOURS = "log_hours"
# ... and their availability and travel areas (not their conflicts: staff only).
SET_AVAILABILITY = "set_availability"


def volunteer_for_user(user, pk, perm=VIEW):
    """The volunteer, 404 if ``user`` may not see them, 403 if they may see but not do ``perm``.

    A volunteer sees their own profile and logs their own hours; changing the
    record (the path, vetting, training, supervision) is for coordinators and
    managers.
    """
    volunteer = volunteers_visible_to(user).filter(pk=pk).select_related("user").first()
    if volunteer is None:
        raise Http404("No such volunteer.")
    _require(user, perm)
    return volunteer


def _require(user, perm):
    if perm == CHANGE and not can_change_volunteers(user):
        raise PermissionDenied("Only a coordinator or manager changes a volunteer's record.")


def reference_for_user(user, pk, reference_pk, perm=CHANGE):
    """A reference of a volunteer: found (or 404) before ``perm`` is checked, so another
    volunteer's reference answers 404 even to a volunteer looking at their own profile."""
    volunteer = volunteer_for_user(user, pk)
    reference = volunteer.references.filter(pk=reference_pk).first()
    if reference is None:
        raise Http404("No such reference.")
    _require(user, perm)
    reference.volunteer = volunteer
    return reference


def can_change_volunteers(user):
    return user.is_case_staff


def can_set_availability(user, volunteer):
    """Staff, or the volunteer themself (while they have not left the pool)."""
    if not user.is_active:
        return False
    if can_change_volunteers(user):
        return True
    return volunteer.user_id == user.pk and volunteer.status != Volunteer.Status.LEFT


def supervision_visible_to(user):
    if not user.is_authenticated or not user.is_active:
        return SupervisionSession.objects.none()
    if user.is_manager:
        return SupervisionSession.objects.all()
    if user.is_coordinator:
        # The notes of the volunteers they supervise now (a successor reads the
        # departing coordinator's), not every session they ever held.
        return SupervisionSession.objects.filter(supervisor=user)
    return SupervisionSession.objects.none()
