from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("caseload/", views.caseload, name="caseload"),
    path("activity/", views.activity_report, name="activity"),
    path("safety/", views.safety_report, name="safety"),
    path("volunteers/", views.volunteers_report, name="volunteers"),
    path("outcomes/", views.outcomes_report, name="outcomes"),
    path("<slug:report>/<slug:table>.csv", views.table_csv, name="table_csv"),
    path("quarterly-return/", views.quarterly, name="quarterly"),
    path("quarterly-return.csv", views.quarterly_csv, name="quarterly_csv"),
    path("circles/<int:pk>/end-of-circle/", views.circle_end, name="circle_end"),
    path("circles/<int:pk>/end-of-circle.csv", views.circle_end_csv, name="circle_end_csv"),
]
