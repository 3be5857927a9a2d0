from django.urls import path

from . import views

app_name = "outcomes"

# Mounted at the site root: a Core Member's recalls and reconvictions, and a circle's
# 12- and 24-month follow-up checks.
urlpatterns = [
    path("core-members/<int:pk>/outcomes/", views.outcomes, name="outcomes"),
    path("core-members/<int:pk>/outcomes/new/", views.outcome_record, name="outcome_record"),
    path("circles/<int:pk>/follow-up/<int:months>/", views.follow_up_record, name="follow_up"),
]
