from django.contrib.auth import views as auth_views
from django.urls import path

from . import two_factor, urls_notifications, views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=views.EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/two-factor/", two_factor.verify, name="two_factor_verify"),
    path("account/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("account/two-factor/backup-codes/", two_factor.codes, name="two_factor_codes"),
    path(
        "account/two-factor/backup-codes/new/",
        two_factor.codes_regenerate,
        name="two_factor_codes_regenerate",
    ),
    path("session/keepalive/", two_factor.session_keepalive, name="session_keepalive"),
]

urlpatterns += urls_notifications.urlpatterns
