"""Outcomes: a circle's 12- and 24-month follow-up checks."""

from django.urls import path

from coreMembers import views_outcomes

urlpatterns = [
    path(
        "<int:pk>/follow-up/<int:months>/",
        views_outcomes.follow_up_record,
        name="follow_up",
    ),
]
