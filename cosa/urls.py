from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "CoSA case management — administration"

urlpatterns = [
    path("", include("accounts.urls")),
    path("circles/", include("circles.urls")),
    path("core-members/", include("coreMembers.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
