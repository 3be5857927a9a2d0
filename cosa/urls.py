from django.contrib import admin
from django.urls import include, path

from accounts.views_floor import floor

urlpatterns = [
    path("", include("accounts.urls")),
    path("circles/", include("circles.urls")),
    path("core-members/", include("coreMembers.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    # The benchmark's framework floor (issue 10): the middleware and a trivial template.
    path("floor/", floor, name="floor"),
]
