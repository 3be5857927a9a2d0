from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import signals  # noqa: F401  (connects the security-log receivers)
        from accounts.db_roles import grant_after_migrate
        from cosa import formsafety, validators

        formsafety.install()
        validators.install()
        # With DATABASE_APP_ROLE set, migrate ends by granting that role its privileges.
        post_migrate.connect(grant_after_migrate, sender=self)
