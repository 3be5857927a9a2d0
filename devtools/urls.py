from django.urls import path

from devtools import views

app_name = "devtools"

urlpatterns = [
    # The benchmark's framework floor: the middleware and a trivial template.
    path("floor/", views.floor, name="floor"),
]
