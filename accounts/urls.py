from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import two_factor, views, views_notifications

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=views.EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Setting or resetting a password by e-mail link (also how a new account's owner
    # chooses their first password). The pages never say whether an address exists;
    # the mail is throttled and sent by a Celery task, never in the request.
    path(
        "password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.SetPasswordConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("login/two-factor/", two_factor.verify, name="two_factor_verify"),
    path("account/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("account/two-factor/enrol/", two_factor.enrol, name="two_factor_enrol"),
    path("account/two-factor/backup-codes/", two_factor.codes, name="two_factor_codes"),
    path(
        "account/two-factor/backup-codes/new/",
        two_factor.codes_regenerate,
        name="two_factor_codes_regenerate",
    ),
    path(
        "account/users/<int:pk>/two-factor-enrolment-code/",
        two_factor.enrolment_code,
        name="two_factor_enrolment_code",
    ),
    path("session/keepalive/", two_factor.session_keepalive, name="session_keepalive"),
]

urlpatterns += [
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
]
