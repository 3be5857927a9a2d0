"""The admin site: every admin registered on it has the project's guard outermost.

Installed as Django's default site (``cosa.apps.CosaAdminConfig``), so the
``@admin.register`` of every app and every installed package comes through here.
"""

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from accounts.admin_base import GUARDED_VIEWS, AdminGuardMixin


class CosaAdminSite(admin.AdminSite):
    site_header = "CoSA case management — administration"
    site_title = "CoSA administration"

    def autocomplete_view(self, request):
        """No admin uses autocomplete fields, and Django's view would search any
        related model (Core Members, users) by name without an access-log row."""
        raise Http404("No autocomplete here.")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register with the guard: mixed in if the admin lacks it, refused if overridden.

        An admin from a package (``auth.Group``, django-otp's) or one that forgot the
        project's base class gets the guard mixed in first. An admin that has it but
        overrides a guarded view ahead of it would lose the guard: that is an error at
        start-up, not a hole found later.
        """
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AdminGuardMixin):
            admin_class = type(
                admin_class.__name__,
                (AdminGuardMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        for name in GUARDED_VIEWS:
            if getattr(admin_class, name, None) is not getattr(AdminGuardMixin, name):
                raise ImproperlyConfigured(
                    f"{admin_class.__qualname__}.{name} overrides AdminGuardMixin's: put "
                    "AdminGuardMixin first among its bases so writes stay guarded and "
                    "reads logged."
                )
        return super().register(model_or_iterable, admin_class, **options)
