from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import admin_two_factor, signals  # noqa: F401  (admin listing; log receivers)
        from cosa import formsafety

        formsafety.install()
