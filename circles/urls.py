from django.urls import path

from . import views, views_handover, views_minutes, views_operations

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

urlpatterns += [
    # Minutes, observations, contacts, concerns, the dashboards and the risk trend.
    path("mine/", views_minutes.mine, name="mine"),
    path("dashboard/", views_minutes.dashboard, name="dashboard"),
    path(
        "core-members/<int:core_member_pk>/risk-trend/",
        views_minutes.risk_trend,
        name="risk_trend",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/write/",
        views_minutes.note_write,
        name="note_write",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/observations/",
        views_minutes.observation_add,
        name="observation_add",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/review/",
        views_minutes.note_review,
        name="note_review",
    ),
    path("<int:pk>/contacts/new/", views_minutes.contact_log, name="contact_log"),
    path("<int:pk>/emergency-meeting/", views_minutes.emergency_request, name="emergency_request"),
    path("<int:pk>/concerns/new/", views_minutes.concern_raise, name="concern_raise"),
    path(
        "<int:pk>/concerns/<int:concern_pk>/triage/",
        views_minutes.concern_triage,
        name="concern_triage",
    ),
    path(
        "<int:pk>/concerns/<int:concern_pk>/close/",
        views_minutes.concern_close,
        name="concern_close",
    ),
]
urlpatterns += [
    # From the Core Member's page: the record, open referral and open circle move together.
    path(
        "core-members/<int:core_member_pk>/handover/",
        views_handover.coordinator_handover,
        name="coordinator_handover",
    ),
]
