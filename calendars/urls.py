from django.urls import path

from calendars import views

app_name = "calendars"

urlpatterns = [
    path("calendar/", views.my_calendar, name="mine"),
    path("circles/<int:pk>/calendar/", views.circle_calendar, name="circle"),
    path("calendar/feed/", views.feed_settings, name="feed_settings"),
    path("calendar/feed/new/", views.feed_create, name="feed_create"),
    path("calendar/feed/venue/", views.feed_venue, name="feed_venue"),
    path("calendar/feed/off/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.feed_ics, name="feed"),
]
