from django.apps import AppConfig


class LoneworkingConfig(AppConfig):
    name = "loneworking"
    verbose_name = "Lone working"
