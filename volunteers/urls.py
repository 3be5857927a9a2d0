from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("new/", views.create, name="create"),
    path("me/", views.me, name="me"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/dbs/new/", views.dbs_new, name="dbs_new"),
    path("<int:pk>/references/new/", views.reference_new, name="reference_new"),
    path("<int:pk>/references/<int:reference_pk>/", views.reference_edit, name="reference_edit"),
    path("<int:pk>/training/new/", views.training_new, name="training_new"),
    path("<int:pk>/supervision/new/", views.supervision_new, name="supervision_new"),
    path("<int:pk>/hours/", views.hours, name="hours"),
    path("<int:pk>/profile/", views.profile, name="profile"),
    path("<int:pk>/hours.csv", views.hours_export, name="hours_export"),
]
