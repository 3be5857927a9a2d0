from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from accounts import throttle
from accounts.audit import client_ip
from accounts.middleware import logged_out_message
from accounts.models import User, email_key
from accounts.two_factor import enrol_right_grant, has_confirmed_device

ROLE_START_PAGES = {
    User.Role.COORDINATOR: "circles:dashboard",
    User.Role.VOLUNTEER: "circles:mine",
    User.Role.LIAISON: "sharing:records",
    User.Role.MANAGER: "reports:index",
}


class EmailAuthenticationForm(AuthenticationForm):
    """The login form, labelled for e-mail. Its errors never say whether an account exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail address"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})


class LoginView(auth_views.LoginView):
    """Django's login page; a login refused by the lockout gets the lockout page (429)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["logged_out_message"] = logged_out_message(self.request.GET.get("reason", ""))
        return context

    def form_invalid(self, form):
        if throttle.login_refused(self.request):
            return render(
                self.request,
                "accounts/locked_out.html",
                {"minutes": settings.COSA_LOCKOUT_MINUTES},
                status=429,
            )
        return super().form_invalid(form)


@require_GET
def home(request):
    """Send each role to its own start page."""
    target = ROLE_START_PAGES.get(request.user.role)
    if target is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(target)


class PasswordSetOrResetForm(PasswordResetForm):
    """Also reaches accounts that have never had a password (made by a coordinator or manager).

    Django's form skips users without a usable password; here every active account with
    that address gets the link, which is how a new volunteer or liaison chooses their first.
    """

    def get_users(self, email):
        return User.objects.filter(email=email_key(email), is_active=True).iterator()


class PasswordResetView(auth_views.PasswordResetView):
    """Counts the request and enqueues the mail; sends nothing and looks up no account.

    Every valid address gets the same redirect after the same work, whether it has an
    account, has none, or has asked too often: which addresses exist cannot be read
    from the answer or its timing. The task (accounts.tasks) finds the account.
    """

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordSetOrResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        from accounts.tasks import send_password_reset

        reset = throttle.password_reset_request(
            email=form.cleaned_data["email"], ip_address=client_ip(self.request)
        )
        if reset is not None:
            send_password_reset.delay_on_commit(reset.pk)
        return HttpResponseRedirect(self.get_success_url())


class SetPasswordConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mailed link's page. A new account's first password also opens its enrolment.

    Whoever completes a new account's single-use link holds its mailbox, which is how
    the owner proves who they are before they have a second factor; this browser may
    then enrol one after logging in. Not for an account that has logged in before or
    has a second factor: there a reset link must not replace the second factor.
    """

    def form_valid(self, form):
        first_password = self.user.last_login is None and not has_confirmed_device(self.user)
        response = super().form_valid(form)
        if first_password:
            enrol_right_grant(self.request, self.user, via="set-password link")
        return response
