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

urlpatterns += [
    path("circles/<int:pk>/end-of-circle.pdf", views.circle_end_pdf, name="circle_end_pdf"),
    path("circles/<int:pk>/end-of-circle.docx", views.circle_end_docx, name="circle_end_docx"),
    path("core-members/<int:pk>/<slug:slug>/", views.meeting_report, name="meeting_report"),
    path(
        "core-members/<int:pk>/<slug:slug>.pdf",
        views.meeting_report_pdf,
        name="meeting_report_pdf",
    ),
    path(
        "core-members/<int:pk>/<slug:slug>.docx",
        views.meeting_report_docx,
        name="meeting_report_docx",
    ),
    path(
        "core-members/<int:pk>/<slug:slug>/summary/",
        views.meeting_report_summary,
        name="meeting_report_summary",
    ),
    path(
        "core-members/<int:pk>/<slug:slug>/share/",
        views.meeting_report_share,
        name="meeting_report_share",
    ),
    path("templates/", views.report_templates, name="templates"),
    path(
        "templates/<slug:kind>/retire/",
        views.report_template_retire,
        name="template_retire",
    ),
    path(
        "templates/<slug:kind>/built-in.docx",
        views.report_template_builtin,
        name="template_builtin",
    ),
]
