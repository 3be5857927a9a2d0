"""Data-subject rights and retention: manager-only pages."""

from django.urls import path

from . import views_privacy

urlpatterns = [
    path("privacy/", views_privacy.privacy_index, name="privacy"),
    path("<int:pk>/privacy/", views_privacy.privacy_record, name="privacy_record"),
    path("<int:pk>/subject-access.json", views_privacy.subject_access, name="subject_access"),
    path("<int:pk>/legal-hold/", views_privacy.legal_hold, name="legal_hold"),
    path("<int:pk>/erase/", views_privacy.erase, name="erase"),
]
