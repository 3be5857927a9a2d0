"""Permission-matrix rows for the safeguarding pages: the action log, cover, the rota."""

import datetime

from django.utils import timezone

from cosa.tests.matrix_support import STAFF, expect, only


def _concern(w):
    return {"pk": w.objects["circle"].pk, "concern_pk": w.objects["concern"].pk}


def _cover(w):
    from circles.models import Cover

    today = timezone.localdate()
    cover = Cover.objects.create(
        coordinator=w.users["owner"],
        deputy=w.users["manager"],
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        created_by=w.users["owner"],
    )
    return {"pk": cover.pk}


def _shift(w):
    from circles.models import OnCallShift

    now = timezone.now()
    shift = OnCallShift.objects.create(
        staff=w.users["owner"],
        phone="01632 960001",
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=12),
        created_by=w.users["owner"],
    )
    return {"pk": shift.pk}


def _contact(w):
    from circles.models import SafeguardingContact

    contact = SafeguardingContact.objects.create(
        core_member=w.objects["core_member"],
        name="Hostel night manager",
        phone="01632 960002",
        created_by=w.users["owner"],
    )
    return {"core_member_pk": contact.core_member_id, "pk": contact.pk}


# The Core Member's owner and managers; the assigned liaison sees him, so is refused.
CONTACT_CHANGERS = {"manager": (200, 200), "owner": (200, 200), "liaison_assigned": (403, 403)}

ROWS = {
    "circles:contacts": (
        lambda w: {"core_member_pk": w.objects["core_member"].pk},
        expect(404, 404, **CONTACT_CHANGERS),
    ),
    "circles:contact_remove": (
        _contact,
        expect(405, 404, manager=(405, 302), owner=(405, 302), liaison_assigned=(405, 403)),
    ),
    # Staff who change the circle log a call; its volunteer sees the concern, logs nothing.
    "circles:concern_action_add": (
        _concern,
        expect(405, 404, manager=(405, 200), owner=(405, 200), volunteer_in_circle=(405, 403)),
    ),
    "circles:cover_list": (lambda w: {}, only(STAFF, 200, 404)),
    "circles:cover_new": (
        lambda w: {},
        expect(404, 404, **dict.fromkeys(STAFF, (200, 200))),
    ),
    # The covered coordinator and managers end cover; everyone else is told it is not there.
    "circles:cover_edit": (_cover, expect(404, 404, manager=(200, 200), owner=(200, 200))),
    "circles:cover_end": (_cover, expect(405, 404, manager=(405, 302), owner=(405, 302))),
    "circles:shift_list": (lambda w: {}, only(STAFF, 200, 404)),
    "circles:shift_new": (
        lambda w: {},
        expect(404, 404, **dict.fromkeys(STAFF, (200, 200))),
    ),
    "circles:shift_edit": (_shift, expect(404, 404, **dict.fromkeys(STAFF, (200, 200)))),
    "circles:shift_end": (
        _shift,
        expect(405, 404, manager=(405, 302), owner=(405, 302), other_coordinator=(405, 302)),
    ),
}
