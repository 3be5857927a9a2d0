from django.urls import path

from . import urls_minutes, views

app_name = "circles"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/meetings/<int:meeting_pk>/notes/", views.note_detail, name="note_detail"),
    path("<int:pk>/concerns/<int:concern_pk>/", views.concern_detail, name="concern_detail"),
    path(
        "<int:pk>/memberships/<int:membership_pk>/end/",
        views.membership_end,
        name="membership_end",
    ),
]

urlpatterns += urls_minutes.urlpatterns
