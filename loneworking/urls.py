from django.urls import path

from loneworking import views

app_name = "loneworking"

urlpatterns = [
    path("lone-working/", views.mine, name="mine"),
    path("lone-working/check-in/", views.check_in, name="check_in"),
    path("lone-working/<int:pk>/", views.detail, name="detail"),
    path("lone-working/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("lone-working/<int:pk>/help/", views.ask_for_help, name="help"),
    path("lone-working/alerts/<int:pk>/", views.alert, name="alert"),
    # The volunteer's link: the token authenticates it (accounts.middleware lets it past
    # the session's idle limit).
    path("lone-working/link/<str:token>/", views.link, name="link"),
    path("lone-working/link/<str:token>/check-out/", views.link_check_out, name="link_check_out"),
    path("lone-working/link/<str:token>/help/", views.link_help, name="link_help"),
]
