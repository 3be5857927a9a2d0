from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.two_factor import enrol_right_grant, has_confirmed_device

ROLE_START_PAGES = {
    User.Role.COORDINATOR: "circles:dashboard",
    User.Role.VOLUNTEER: "circles:mine",
    User.Role.LIAISON: "core_members:records",
    User.Role.MANAGER: "reports:index",
}


class EmailAuthenticationForm(AuthenticationForm):
    """The login form, labelled for e-mail. Its errors never say whether an account exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail address"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})


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
        return User.objects.filter(email__iexact=email, is_active=True).iterator()


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
