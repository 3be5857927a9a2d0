from django.urls import path

from . import urls_sharing, views

app_name = "core_members"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/audit/", views.audit_trail, name="audit"),
]

urlpatterns += urls_sharing.urlpatterns
