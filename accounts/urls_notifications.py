"""URL patterns included by this app's urls.py (kept apart so that work on it does not collide)."""

from django.urls import path

from . import views_notifications

urlpatterns = [
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
]
