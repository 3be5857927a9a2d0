"""Who may see and decide volunteers' expense claims, supervision due and debriefs.

A volunteer sees their own claims; a coordinator sees the claims made for the circles
they may change (their own, and those they cover) and decides them; a manager sees and
decides all, and alone runs the payment export. Anyone else: 404.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from circles.access import CHANGE, circles_visible_to
from circles.models import CircleMembership
from volunteering.models import ExpenseClaim, SupervisionDebrief
from volunteers.models import Volunteer

VIEW = "view"
DECIDE = "decide"


def _active(user):
    return user.is_authenticated and user.is_active


def may_decide_claims(user):
    """Whether the user decides claims at all (has a queue): a coordinator or a manager.
    Which claims is ``claims_to_decide_for``."""
    return _active(user) and user.is_case_staff


def require_claims_decider(user):
    """The claims queue: 404 for anyone who decides no claims (volunteers, liaisons)."""
    if not may_decide_claims(user):
        raise Http404("No such page.")


def claims_visible_to(user):
    if not _active(user):
        return ExpenseClaim.objects.none()
    if user.is_manager:
        return ExpenseClaim.objects.all()
    if user.is_coordinator:
        return ExpenseClaim.objects.filter(circle__in=circles_visible_to(user, CHANGE))
    if user.is_volunteer:
        return ExpenseClaim.objects.filter(volunteer__user=user)
    return ExpenseClaim.objects.none()


def claims_to_decide_for(user):
    """The claims this user decides: a volunteer's own claims are never among them."""
    if not may_decide_claims(user):
        return ExpenseClaim.objects.none()
    return claims_visible_to(user)


def claim_for_user(user, pk, perm=VIEW):
    """The claim, 404 if unseen, 403 if seen but ``perm`` (deciding) is not the user's."""
    claim = claims_visible_to(user).for_list().filter(pk=pk).first()
    if claim is None:
        raise Http404("No such claim.")
    if perm == DECIDE and not may_decide(user, claim):
        raise PermissionDenied("Only the volunteer's coordinator or a manager decides a claim.")
    return claim


def may_decide(user, claim):
    if not may_decide_claims(user):
        return False
    return claims_to_decide_for(user).filter(pk=claim.pk).exists()


def may_pay(user):
    return _active(user) and user.is_manager


def require_payer(user):
    if not may_pay(user):
        # Not 403: the payment run is not a page anyone else can know about.
        raise Http404("No such page.")


def may_set_mileage_rate(user):
    return _active(user) and user.is_manager


def require_rate_setter(user):
    if not may_set_mileage_rate(user):
        # Not 403: like the payment run, a page no one else needs to know of.
        raise Http404("No such page.")


def own_volunteer(user):
    """The signed-in volunteer's own record, or 404 (claims are made by volunteers)."""
    if not _active(user) or not user.is_volunteer:
        raise Http404("Only volunteers make claims.")
    volunteer = Volunteer.objects.filter(user=user).first()
    if volunteer is None:
        raise Http404("No volunteer record.")
    return volunteer


def may_supervise(user):
    """Whether the user supervises volunteers at all (the supervision page, debriefs):
    a coordinator or a manager. Whom is ``supervised_volunteers_for``."""
    return _active(user) and user.is_case_staff


def require_supervisor(user):
    """The supervision page: 404 for anyone who supervises nobody."""
    if not may_supervise(user):
        raise Http404("No such page.")


def supervised_volunteers_for(user, scope=None):
    """The volunteers a coordinator supervises: those in the open circles they may change.
    A manager sees every active volunteer. ``scope``: the user's circles with CHANGE as a
    page has read them already (a CircleScope; the dashboard's), used by their ids
    rather than asked of the grants again."""
    if not may_supervise(user):
        return Volunteer.objects.none()
    if user.is_manager:
        return Volunteer.objects.active()
    if scope is not None and scope.covers(user, CHANGE):
        circles = scope.open_ids
    else:
        circles = circles_visible_to(user, CHANGE).open()
    # An IN over the memberships, not a join: no duplicates, so no DISTINCT to get in the
    # way of the dashboard's COUNT(*) OVER ().
    members = CircleMembership.objects.filter(circle__in=circles, left_on__isnull=True)
    return Volunteer.objects.active().filter(pk__in=members.values("volunteer_id"))


def debriefs_visible_to(user, scope=None):
    """The debriefs of the circles the user may change (``scope`` as for
    ``supervised_volunteers_for``)."""
    if not may_supervise(user):
        return SupervisionDebrief.objects.none()
    if user.is_manager:
        return SupervisionDebrief.objects.all()
    if scope is not None and scope.covers(user, CHANGE):
        return SupervisionDebrief.objects.filter(circle__in=scope.ids)
    return SupervisionDebrief.objects.filter(circle__in=circles_visible_to(user, CHANGE))


def debrief_for_user(user, pk):
    debrief = debriefs_visible_to(user).select_related("volunteer__user").filter(pk=pk).first()
    if debrief is None:
        raise Http404("No such debrief.")
    return debrief


def may_record_debrief(user, debrief):
    """The debrief's circle's coordinator (or whoever covers it) or a manager records it."""
    if not may_supervise(user):
        return False
    return user.is_manager or circles_visible_to(user, CHANGE).filter(pk=debrief.circle_id).exists()
