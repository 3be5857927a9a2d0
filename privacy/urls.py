from django.urls import path

from . import views

app_name = "privacy"

# Data-subject rights and retention: manager-only pages, mounted at the site root.
urlpatterns = [
    path("core-members/privacy/", views.privacy_index, name="privacy"),
    path("core-members/<int:pk>/privacy/", views.privacy_record, name="privacy_record"),
    path("core-members/<int:pk>/subject-access.json", views.subject_access, name="subject_access"),
    path("core-members/<int:pk>/legal-hold/", views.legal_hold, name="legal_hold"),
    path("core-members/<int:pk>/erase/", views.erase, name="erase"),
    # The audit trail: managers only, 404 for everyone else.
    path("audit/", views.audit, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]
