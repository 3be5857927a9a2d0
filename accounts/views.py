from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.models import User

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
