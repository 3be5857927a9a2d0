from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = "Circles"

    def ready(self):
        from accounts.signals import user_deactivated

        user_deactivated.connect(_end_cover, dispatch_uid="circles-end-cover")


def _end_cover(sender, user, **kwargs):
    from circles.cover import cover_end_for_user

    cover_end_for_user(user=user)
