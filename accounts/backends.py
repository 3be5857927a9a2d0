"""The session's user, loaded with what every page shows of them."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class AccountBackend(ModelBackend):
    """Django's model backend, except that the user a session holds is loaded with the
    count of their unread notifications in the same query: the bell on every page costs
    no query of its own (``accounts.notifications.unread_count``)."""

    def get_user(self, user_id):
        try:
            user = User.objects.with_unread_notifications().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
