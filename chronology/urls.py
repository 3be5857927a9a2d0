from django.urls import path

from chronology import views

app_name = "chronology"

# Mounted at the site root: the page reads as the Core Member's own.
urlpatterns = [
    path("core-members/<int:pk>/chronology/", views.chronology, name="chronology"),
]
