"""URL patterns included by this app's urls.py (kept apart so that work on it does not collide)."""

from django.urls import path

from . import views_sharing as views

urlpatterns = [
    path("records/", views.record_list, name="records"),
    path("records/approvals/", views.record_approvals, name="record_approvals"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/acknowledge/", views.record_acknowledge, name="record_acknowledge"),
    path("records/<int:pk>/approve/", views.record_approve, name="record_approve"),
    path("records/<int:pk>/decline/", views.record_decline, name="record_decline"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/addendum/", views.record_addendum, name="record_addendum"),
    path("records/<int:pk>/print/", views.record_print, name="record_print"),
    path("<int:pk>/records/new/", views.record_compose, name="record_compose"),
]
