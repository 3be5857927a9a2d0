"""Who may see which circle, and everything reached through it (DESIGN §4).

``circle_for_user`` is the one access helper for circles: 404 when the user may
not see the circle, 403 when they may see it but not change it. Meetings,
minutes and concerns are never granted per row: they are found through a
circle the user may see.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from circles.models import (
    Circle,
    CircleGroupObjectPermission,
    CircleMembership,
    CircleUserObjectPermission,
    Concern,
    Meeting,
    MeetingNote,
    ReviewMilestone,
    SafeguardingContact,
)
from coreMembers.access import IDENTITY, core_member_for_user, core_member_ids_visible_to
from coreMembers.access import can_change as can_change_core_member

VIEW = "view"
CHANGE = "change"
# Write minutes or log a contact: the circle's volunteers and its coordinator (change
# grant); managers read minutes but do not write them.
WRITE = "write"
WRITERS = (User.Role.VOLUNTEER, User.Role.COORDINATOR)


def _granted(user, codename):
    """A filter for a circle permission held directly or through the circle group.

    One ``pk IN (direct UNION ALL via group)`` semi-join rather than two OR-ed EXISTS:
    PostgreSQL then starts from the user's few grants instead of scanning every circle
    (at national scale the coordinator dashboard went from 2.5 s to 20 ms).
    """
    direct = CircleUserObjectPermission.objects.filter(
        user=user, permission__codename=codename
    ).values("content_object_id")
    via_group = CircleGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=codename
    ).values("content_object_id")
    return Q(pk__in=direct.union(via_group, all=True))


def circles_visible_to(user, perm=VIEW):
    """Circles the user may see (or change), for lists, searches, counts and exports."""
    if not user.is_authenticated or not user.is_active:
        return Circle.objects.none()
    if user.is_manager:
        return Circle.objects.all()
    if user.role not in (User.Role.COORDINATOR, User.Role.VOLUNTEER):
        return Circle.objects.none()
    return Circle.objects.filter(_granted(user, f"{perm}_circle"))


# What of a Core Member's circles a chronology shows (chronology_circles).
CHRONOLOGY_STAFF = "staff"  # everything: minutes, concerns, reviews, risk
CHRONOLOGY_VOLUNTEER = "volunteer"  # the briefing and the meetings, never risk or concerns
CHRONOLOGY_LIAISON = "liaison"  # the circle's status and attendance dates only


def chronology_circles(user, core_member):
    """The Core Member's circles the user's chronology covers, and at which level.

    Staff and volunteers: the circles they see (a covering deputy's too). An assigned
    liaison: every circle of the Core Member, for its status and attendance dates only
    (DESIGN §4). Anyone else: no circles, level None.
    """
    if not user.is_authenticated or not user.is_active:
        return Circle.objects.none(), None
    if user.is_case_staff or user.is_volunteer:
        level = CHRONOLOGY_STAFF if user.is_case_staff else CHRONOLOGY_VOLUNTEER
        return circles_visible_to(user).filter(core_member=core_member), level
    if user.is_liaison:
        assigned = core_member_ids_visible_to(user, IDENTITY)
        circles = Circle.objects.filter(core_member=core_member, core_member_id__in=assigned)
        return circles, CHRONOLOGY_LIAISON
    return Circle.objects.none(), None


def circles_fixed_for(user, perm=VIEW):
    """``circles_visible_to``, with the circles' ids read now (one query) and the lists
    filtered by those ids. For a page that filters many lists by the same circles (the
    dashboard): the grants' subquery repeated in each cost PostgreSQL more to plan than
    the lists cost to run (44 ms planning, 20 ms running, at national scale)."""
    circles = circles_visible_to(user, perm)
    if user.is_manager:
        return circles
    return Circle.objects.filter(pk__in=list(circles.values_list("pk", flat=True)))


class CircleScope:
    """The circles a page covers, as conditions for any list that hangs off a circle.

    A caseload's circles are read once (ids and status, one query) and each list is
    filtered by the literal ids: ``circle_id IN (1, 2, ...)`` rather than a subquery of
    circles, which every list's plan repeated (the dashboard's 18 "also due" subqueries
    spent 8 to 12 ms planning them). A manager covers every circle: no ids at all.
    """

    def __init__(self, user, perm=VIEW):
        self.everywhere = user.is_manager
        # Whose circles, with which permission: another app given this scope uses its
        # ids only when they answer the same question (``covers``).
        self.user_id, self.perm = user.pk, perm
        if self.everywhere:
            self.ids = self.open_ids = None
            return
        rows = list(circles_visible_to(user, perm).values_list("pk", "status"))
        self.ids = [pk for pk, _status in rows]
        self.open_ids = [pk for pk, status in rows if status != Circle.Status.ENDED]

    @classmethod
    def service_wide(cls):
        """Every circle, as a manager's scope, for counts that no one user asks for."""
        scope = cls.__new__(cls)
        scope.everywhere = True
        scope.user_id = scope.perm = None
        scope.ids = scope.open_ids = None
        return scope

    def covers(self, user, perm):
        """Whether this scope is ``user``'s circles with ``perm``, read already."""
        return self.user_id == user.pk and self.perm == perm and not self.everywhere

    def q(self, path="circle", *, open_only=False):
        """The condition on ``path`` (the circle's relation from the listed model)."""
        if self.everywhere:
            if not open_only:
                return Q()
            status = "status" if path == "pk" else f"{path}__status"
            return Q(**{f"{status}__in": Circle.OPEN_STATUSES})
        return Q(**{f"{path}__in": self.open_ids if open_only else self.ids})

    def circles(self, *, open_only=False):
        """The circles themselves, as a queryset."""
        return Circle.objects.filter(self.q("pk", open_only=open_only))


def circle_for_user(user, pk, perm=VIEW, *, roles=None):
    """The circle: 404 when ``user`` may not see it; 403 when they see it but may not do
    ``perm``, or when the page is for other ``roles``. The lookup always comes first, so
    a page never says "not for you" about a circle the user cannot see."""
    circle = _visible_circle(user, pk)
    _require(user, circle, perm, roles)
    return circle


def _visible_circle(user, pk):
    circles = circles_visible_to(user).filter(pk=pk).select_related("core_member", "coordinator")
    if user.is_coordinator:
        # Whether they may also change it, in the same query (``can_change_circle``).
        circles = circles.annotate(
            change_granted=Exists(circles_visible_to(user, CHANGE).filter(pk=OuterRef("pk")))
        )
    circle = circles.first()
    if circle is None:
        raise Http404("No such circle.")
    if user.is_coordinator:
        circle._change_granted_to = (user.pk, circle.change_granted)
    return circle


def _require(user, circle, perm, roles):
    """Refuse (403) what a user who sees ``circle`` may not do there."""
    if perm == WRITE:
        roles = WRITERS if roles is None else roles
        perm = CHANGE if user.is_case_staff else VIEW
    if roles is not None and user.role not in roles:
        raise PermissionDenied("This page is not for your role.")
    if perm == CHANGE and not can_change_circle(user, circle):
        raise PermissionDenied("You may see this circle but not change it.")


def can_change_circle(user, circle):
    if user.is_manager:
        return True
    # A circle looked up for this user above carries the answer from its own query.
    fetched_for, granted = getattr(circle, "_change_granted_to", (None, False))
    if fetched_for == user.pk:
        return granted
    return circles_visible_to(user, CHANGE).filter(pk=circle.pk).exists()


def _child_for_user(user, circle_pk, queryset, pk, perm, roles, missing):
    """An object of a circle: found (or 404) before any permission is checked, so another
    circle's object answers 404 even to a user who may see but not change this circle."""
    circle = _visible_circle(user, circle_pk)
    child = queryset.filter(circle=circle, pk=pk).first()
    if child is None:
        raise Http404(missing)
    _require(user, circle, perm, roles)
    child.circle = circle
    return child


def meeting_for_user(user, circle_pk, pk, perm=VIEW, *, roles=None):
    return _child_for_user(
        user, circle_pk, Meeting.objects.all(), pk, perm, roles, "No such meeting."
    )


def membership_for_user(user, circle_pk, pk, perm=CHANGE, *, roles=None):
    memberships = CircleMembership.objects.select_related("volunteer__user")
    return _child_for_user(user, circle_pk, memberships, pk, perm, roles, "No such membership.")


def milestone_for_user(user, circle_pk, pk, perm=CHANGE, *, roles=None):
    milestones = ReviewMilestone.objects.select_related("completed_by")
    return _child_for_user(user, circle_pk, milestones, pk, perm, roles, "No such review.")


def note_for_user(user, circle_pk, meeting_pk, perm=VIEW, *, roles=None):
    """The minutes of a meeting: never for liaisons (they are not in circles_visible_to)."""
    meeting = meeting_for_user(user, circle_pk, meeting_pk)
    note = MeetingNote.objects.filter(meeting=meeting).select_related("author").first()
    if note is None:
        raise Http404("No minutes yet.")
    _require(user, meeting.circle, perm, roles)
    note.meeting = meeting
    return note


class MinutesTaken(PermissionDenied):
    """Another volunteer wrote this meeting's minutes first: only they may change them.

    The minutes page answers it on a POST with the writer's text kept and a way to add
    it as their own observation; a plain GET is refused (403) as before.
    """

    def __init__(self, note):
        super().__init__("Only the author can change these minutes.")
        self.note = note


def minutes_to_write_for_user(user, circle_pk, meeting_pk):
    """The meeting and its minutes (None if not begun) for someone who may write them:
    404 unseen; 403 for managers, for minutes someone else began, or reviewed minutes."""
    meeting = meeting_for_user(user, circle_pk, meeting_pk, WRITE)
    note = MeetingNote.objects.filter(meeting=meeting).first()
    if note is not None:
        if note.author_id != user.pk:
            raise MinutesTaken(note)
        if not note.is_editable:
            raise PermissionDenied("Reviewed minutes are read-only.")
        note.meeting = meeting
    return meeting, note


def concern_for_user(user, circle_pk, pk, perm=VIEW, *, roles=None):
    circle = _visible_circle(user, circle_pk)
    concern = (
        Concern.objects.filter(circle=circle, pk=pk)
        .select_related("raised_by", "triaged_by", "meeting")
        # Whether its meeting has minutes (the page links them), in the same query.
        .annotate(minutes_exist=Exists(MeetingNote.objects.filter(meeting=OuterRef("meeting"))))
        .first()
    )
    # A volunteer sees the concerns they raised; triage is for coordinators.
    if concern is not None and user.is_volunteer and concern.raised_by != user:
        concern = None
    if concern is None:
        raise Http404("No such concern.")
    _require(user, circle, perm, roles)
    concern.circle = circle
    return concern


# Rules the services check again, whoever calls them (a view, a task, a command) -------


def may_write_in_circle(user, circle, on=None):
    """Minutes, observations, contacts and concerns come from the circle's coordinator or
    from a volunteer who was in the circle on the day (``on``, default today).

    Views reach a circle only through a current membership, so a volunteer who has left
    writes nothing more; the day rule lets history be recorded as it happened.
    """
    if not user.is_active:
        return False
    if user.is_coordinator and circle.coordinator_id == user.pk:
        return True
    on = on or timezone.localdate()
    return (
        user.is_volunteer
        and circle.memberships.filter(volunteer__user=user, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .exists()
    )


def may_review_in_circle(user, circle):
    """Reviewing minutes and triaging concerns: a manager, or the circle's coordinator."""
    return user.is_active and (
        user.is_manager or (user.is_coordinator and circle.coordinator_id == user.pk)
    )


# Cover and the on-call rota ------------------------------------------------------------


def covers_visible_to(user):
    """Managers see every cover; a coordinator the cover they give or take."""
    from circles.models import Cover

    if not user.is_authenticated or not user.is_active or not user.is_case_staff:
        return Cover.objects.none()
    if user.is_manager:
        return Cover.objects.all()
    return Cover.objects.filter(Q(coordinator=user) | Q(deputy=user))


def cover_for_user(user, pk, perm=VIEW):
    """A cover: 404 unseen; 403 for the deputy asked to change it (the covered
    coordinator or a manager ends it)."""
    cover = covers_visible_to(user).filter(pk=pk).first()
    if cover is None:
        raise Http404("No such cover.")
    if perm == CHANGE and not (user.is_manager or cover.coordinator_id == user.pk):
        raise PermissionDenied("Only the covered coordinator or a manager changes this cover.")
    return cover


def coordinators_to_cover_for(user):
    """Whose cover ``user`` may arrange: a manager anyone's (None: every staff member
    the form offers), a coordinator only their own."""
    return None if user.is_manager else User.objects.filter(pk=user.pk)


def shifts_visible_to(user):
    """The rota is the service's: every coordinator and manager sees and keeps it."""
    from circles.models import OnCallShift

    if not user.is_authenticated or not user.is_active or not user.is_case_staff:
        return OnCallShift.objects.none()
    return OnCallShift.objects.all()


def shift_for_user(user, pk, perm=VIEW):
    shift = shifts_visible_to(user).filter(pk=pk).first()
    if shift is None:
        raise Http404("No such shift.")
    return shift


def may_see_professional_contacts(user, circle, *, can_change=None):
    """The outer circle's numbers are for the circle's staff, never its volunteers.

    ``can_change``: what the page already knows of ``can_change_circle`` (saves a query)."""
    if can_change is None:
        can_change = can_change_circle(user, circle)
    return user.is_case_staff and can_change


def require_case_staff(user):
    """Cover and rota pages are for coordinators and managers: 404 for anyone else."""
    if not user.is_authenticated or not user.is_active or not user.is_case_staff:
        raise Http404("No such page.")


def contact_for_user(user, core_member_pk, pk):
    """One of the Core Member's own numbers to call (never a service-wide one, which
    only the admin changes): found before the change check, so another Core Member's
    number answers 404."""
    core_member = core_member_for_user(user, core_member_pk)
    contact = SafeguardingContact.objects.filter(core_member=core_member, pk=pk).first()
    if contact is None:
        raise Http404("No such contact.")
    if not can_change_core_member(user, core_member):
        raise PermissionDenied("You may not change this Core Member's contacts.")
    return contact


def may_hand_over(user):
    """Who hands a case, a circle or a whole caseload to another coordinator: an active
    manager. The coordinator handing over does not choose who takes the case on; and
    the volunteers' supervision moves with the circles (volunteers.services
    ``supervision_hand_over`` is a manager's act too)."""
    return user is not None and user.is_authenticated and user.is_active and user.is_manager


def caseload_owner_for_user(user, coordinator_pk):
    """The coordinator whose caseload a manager is about to move: 404 for anyone else
    (nobody but a manager learns who coordinates what from this page)."""
    from accounts.models import User

    if not may_hand_over(user):
        raise Http404("No such coordinator.")
    coordinator = User.objects.filter(pk=coordinator_pk, role=User.Role.COORDINATOR).first()
    if coordinator is None:
        raise Http404("No such coordinator.")
    return coordinator
