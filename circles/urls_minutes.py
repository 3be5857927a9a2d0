"""URL patterns included by this app's urls.py (kept apart so that work on it does not collide).

Minutes, observations, contacts, concerns, the dashboards and the risk trend.
"""

from django.urls import path

from . import views_minutes as views

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "core-members/<int:core_member_pk>/risk-trend/",
        views.risk_trend,
        name="risk_trend",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/write/",
        views.note_write,
        name="note_write",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/observations/",
        views.observation_add,
        name="observation_add",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/review/",
        views.note_review,
        name="note_review",
    ),
    path("<int:pk>/contacts/new/", views.contact_log, name="contact_log"),
    path("<int:pk>/emergency-meeting/", views.emergency_request, name="emergency_request"),
    path("<int:pk>/concerns/new/", views.concern_raise, name="concern_raise"),
    path(
        "<int:pk>/concerns/<int:concern_pk>/triage/",
        views.concern_triage,
        name="concern_triage",
    ),
    path(
        "<int:pk>/concerns/<int:concern_pk>/close/",
        views.concern_close,
        name="concern_close",
    ),
]
