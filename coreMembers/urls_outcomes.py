"""Outcomes: a Core Member's recalls and reconvictions."""

from django.urls import path

from . import views_outcomes

urlpatterns = [
    path("<int:pk>/outcomes/", views_outcomes.outcomes, name="outcomes"),
    path("<int:pk>/outcomes/new/", views_outcomes.outcome_record, name="outcome_record"),
]
