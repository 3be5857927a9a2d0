from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    label = "sharing"
    verbose_name = "Shared records"

    def ready(self):
        # Apps below this one never import it: they offer a hook, this app fills it.
        from circles import reminders
        from coreMembers.signals import liaison_cover_ended
        from sharing import reminders as sharing_reminders
        from sharing import services

        liaison_cover_ended.connect(
            services.records_revoke_for_ended_cover, dispatch_uid="sharing.revoke_ended_cover"
        )
        sharing_reminders.register(reminders)
