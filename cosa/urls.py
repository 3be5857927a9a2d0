from django.conf import settings
from django.contrib import admin
from django.urls import include, path

# Branded, and a 503 when the database is down (cosa.middleware); no database needed.
handler500 = "cosa.views.server_error"

urlpatterns = [
    path("", include("accounts.urls")),
    path("circles/", include("circles.urls")),
    path("core-members/", include("coreMembers.urls")),
    # The apps above circles carry their whole paths (/core-members/records/...).
    path("", include("sharing.urls")),
    path("", include("outcomes.urls")),
    path("", include("calendars.urls")),
    path("", include("documents.urls")),
    path("", include("loneworking.urls")),
    path("volunteering/", include("volunteering.urls")),
    path("", include("privacy.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("search/", include("search.urls")),
    path("", include("chronology.urls")),
    path("admin/", admin.site.urls),
]
if settings.COSA_DEVTOOLS:
    # Development tools (the benchmark's /floor/ page): absent from production.
    urlpatterns.append(path("", include("devtools.urls")))
