"""Permission-matrix rows for the calendars and the feed settings."""

from cosa.tests.matrix_support import LOGGED_IN, expect, only

ROWS = {
    # Everyone signed in has a calendar (of what they may see) and feed settings.
    "calendars:mine": (lambda w: {}, only(LOGGED_IN, 200, 403)),
    "calendars:circle": (
        lambda w: {"pk": w.objects["circle"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "calendars:feed_settings": (lambda w: {}, only(LOGGED_IN, 200, 403)),
    "calendars:feed_create": (lambda w: {}, expect(405, 302)),
    "calendars:feed_venue": (lambda w: {}, expect(405, 302)),
    "calendars:feed_revoke": (lambda w: {}, expect(405, 302)),
    # By token, never by login: a wrong token is not found for everyone.
    "calendars:feed": (
        lambda w: {"token": "not-a-real-token"},
        expect(404, 405, anonymous=(404, 405), deactivated=(404, 405)),
    ),
}
