from django.apps import AppConfig


class FormPagesConfig(AppConfig):
    name = "formpages"
    verbose_name = "Form pages"

    def ready(self):
        from formpages import signals  # noqa: F401  (a deactivated author's drafts go)
