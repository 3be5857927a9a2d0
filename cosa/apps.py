from django.contrib.admin.apps import AdminConfig


class CosaAdminConfig(AdminConfig):
    """Django's admin with the project's site (``accounts.admin_site``) as ``admin.site``."""

    default_site = "accounts.admin_site.CosaAdminSite"
