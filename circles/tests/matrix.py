"""Permission-matrix rows for this app's URL patterns (see cosa/tests/matrix_support.py)."""

from cosa.tests.matrix_support import STAFF, VOLUNTEERS, expect, only


def _circle(w):
    return {"pk": w.objects["circle"].pk}


def _change_page(post=200):
    """A page that changes circle A: its coordinator and managers use it (an empty POST is a
    form error, 200, unless said); its volunteer sees the circle but may not change it (403);
    everyone else is told it does not exist (404)."""
    return expect(
        404,
        404,
        manager=(200, post),
        owner=(200, post),
        volunteer_in_circle=(403, 403),
    )


ROWS = {
    "circles:index": (lambda w: {}, only(STAFF + VOLUNTEERS, 200, 403)),
    "circles:export": (lambda w: {}, only(STAFF, 200, 403)),
    # The reminder sweep's operations page: managers only.
    "circles:reminders_operations": (lambda w: {}, only(("manager",), 200, 403)),
    "circles:detail": (
        lambda w: {"pk": w.objects["circle"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:note_detail": (
        lambda w: {"pk": w.objects["circle"].pk, "meeting_pk": w.objects["meeting"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:concern_detail": (
        lambda w: {"pk": w.objects["circle"].pk, "concern_pk": w.objects["concern"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    # The confirmation page; an empty POST ends the membership (the reason is optional).
    "circles:membership_end": (
        lambda w: {"pk": w.objects["circle"].pk, "membership_pk": w.objects["membership"].pk},
        _change_page(post=302),
    ),
    # World's Core Member already has an open circle: the page says so, and a POST too.
    "circles:create": (
        lambda w: {"core_member_pk": w.objects["core_member"].pk},
        # The assigned liaison sees the Core Member but may not form a circle (403).
        expect(
            404,
            404,
            manager=(200, 200),
            owner=(200, 200),
            liaison_assigned=(403, 403),
        ),
    ),
    # Managers only: the owner sees the circle but may not hand it on.
    # Leaving the pool (it ends circle memberships): staff only; the volunteer sees their
    # own profile but may not record it (403); every other volunteer and liaison 404.
    "circles:volunteer_leave": (
        lambda w: {"volunteer_pk": w.objects["volunteer"].pk},
        expect(404, 404, **dict.fromkeys(STAFF, (200, 200)), volunteer_in_circle=(403, 403)),
    ),
    "circles:coordinator_change": (
        _circle,
        expect(
            404,
            404,
            manager=(200, 200),
            owner=(403, 403),
            volunteer_in_circle=(403, 403),
        ),
    ),
    "circles:match": (_circle, _change_page()),
    # Managers only; to anyone else the coordinator's caseload page does not exist.
    "circles:caseload_reassign": (
        lambda w: {"coordinator_pk": w.users["owner"].pk},
        expect(404, 404, manager=(200, 200)),
    ),
    "circles:covenant": (_circle, _change_page()),
    "circles:pattern": (_circle, _change_page()),
    # Circle A is already active: the launch page says so and a POST is refused on the form.
    "circles:launch": (_circle, _change_page()),
    # The step-down asks for the new frequency: an empty POST is a form error.
    "circles:step_down": (_circle, _change_page()),
    # Not stepping down: the refusal is shown on the page.
    "circles:resume": (_circle, _change_page()),
    "circles:end": (_circle, _change_page()),
    "circles:review": (
        lambda w: {
            "pk": w.objects["circle"].pk,
            "milestone_pk": w.objects["circle"].milestones.order_by("due_on").first().pk,
        },
        _change_page(),
    ),
    "circles:meeting_cancel": (
        lambda w: {
            "pk": w.objects["circle"].pk,
            "meeting_pk": w.objects["circle"].meetings.upcoming().first().pk,
        },
        _change_page(),
    ),
    # Every meeting of circle A: whoever sees the circle sees its schedule.
    "circles:meetings": (_circle, only(("manager", "owner", "volunteer_in_circle"), 200, 404)),
    "circles:meeting_add": (_circle, _change_page()),
    "circles:meeting_move": (
        lambda w: {
            "pk": w.objects["circle"].pk,
            "meeting_pk": w.objects["circle"].meetings.upcoming().first().pk,
        },
        _change_page(),
    ),
    # Not on a bank holiday: the page says so, and a POST is refused on the form.
    "circles:meeting_move_off_holiday": (
        lambda w: {
            "pk": w.objects["circle"].pk,
            "meeting_pk": w.objects["circle"].meetings.upcoming().first().pk,
        },
        _change_page(),
    ),
}
