from django.apps import AppConfig


class CoreMembersConfig(AppConfig):
    name = "coreMembers"
    # The folder keeps the brief's camelCase name; tables and permissions read well.
    label = "core_members"
    verbose_name = "Core Members"
