from django.urls import path

from . import urls_follow_up, urls_minutes, views, views_operations

app_name = "circles"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("reminders/operations/", views_operations.operations, name="reminders_operations"),
    path("new/<int:core_member_pk>/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/meetings/<int:meeting_pk>/notes/", views.note_detail, name="note_detail"),
    path("<int:pk>/concerns/<int:concern_pk>/", views.concern_detail, name="concern_detail"),
    path("<int:pk>/coordinator/", views.coordinator_change, name="coordinator_change"),
    path("<int:pk>/volunteers/", views.match, name="match"),
    path(
        "<int:pk>/memberships/<int:membership_pk>/end/",
        views.membership_end,
        name="membership_end",
    ),
    path("<int:pk>/covenant/", views.covenant, name="covenant"),
    path("<int:pk>/pattern/", views.pattern, name="pattern"),
    path("<int:pk>/launch/", views.launch, name="launch"),
    path("<int:pk>/step-down/", views.step_down, name="step_down"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/reviews/<int:milestone_pk>/", views.review, name="review"),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/cancel/",
        views.meeting_cancel,
        name="meeting_cancel",
    ),
]

urlpatterns += urls_minutes.urlpatterns
urlpatterns += urls_follow_up.urlpatterns
