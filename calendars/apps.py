from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = "Calendars"

    def ready(self):
        from calendars import signals  # noqa: F401  (a deactivated or re-roled user's feed goes)
