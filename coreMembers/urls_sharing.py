"""URL patterns included by this app's urls.py (kept apart so that work on it does not collide)."""

from django.urls import path

from . import views_sharing

urlpatterns = [
    path("records/", views_sharing.record_list, name="records"),
    path("records/<int:pk>/", views_sharing.record_detail, name="record_detail"),
    path(
        "records/<int:pk>/acknowledge/",
        views_sharing.record_acknowledge,
        name="record_acknowledge",
    ),
]
