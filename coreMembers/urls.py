from django.urls import path

from . import urls_sharing, views

app_name = "core_members"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/audit/", views.audit_trail, name="audit"),
    path("records/", views.record_list, name="records"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/acknowledge/", views.record_acknowledge, name="record_acknowledge"),
]

urlpatterns += urls_sharing.urlpatterns
