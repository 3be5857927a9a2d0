"""Permission-matrix rows for the bell."""

from accounts.models import Notification
from cosa.tests.matrix_support import expect


def _owners_notification(w):
    """A notification addressed to the circle's coordinator: only she may mark it read."""
    notification, _ = Notification.objects.get_or_create(
        recipient=w.users["owner"],
        subject="Minutes overdue: Tuesday circle",
        defaults={"link": f"/circles/{w.objects['circle'].pk}/", "email_wanted": False},
    )
    return notification


ROWS = {
    # Everyone has a bell of their own.
    "accounts:notifications": (lambda w: {}, expect(200, 405)),
    "accounts:notification_read": (
        lambda w: {"pk": _owners_notification(w).pk},
        expect(405, 404, owner=(405, 302)),
    ),
    "accounts:notifications_read_all": (lambda w: {}, expect(405, 302)),
}
