from django.urls import path

from . import views

app_name = "sharing"

# Mounted at the site root: the paths read as they did when the records lived with the
# Core Members.
urlpatterns = [
    path("core-members/mine/", views.my_core_members, name="my_core_members"),
    path("core-members/records/", views.record_list, name="records"),
    path("core-members/records/approvals/", views.record_approvals, name="record_approvals"),
    path("core-members/records/<int:pk>/", views.record_detail, name="record_detail"),
    path(
        "core-members/records/<int:pk>/acknowledge/",
        views.record_acknowledge,
        name="record_acknowledge",
    ),
    path("core-members/records/<int:pk>/approve/", views.record_approve, name="record_approve"),
    path("core-members/records/<int:pk>/decline/", views.record_decline, name="record_decline"),
    path("core-members/records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("core-members/records/<int:pk>/addendum/", views.record_addendum, name="record_addendum"),
    path("core-members/records/<int:pk>/print/", views.record_print, name="record_print"),
    path("core-members/<int:pk>/records/new/", views.record_compose, name="record_compose"),
]
