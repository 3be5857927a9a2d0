"""A feed token goes when its user is deactivated or changes role (DESIGN §6).

Leaving a circle needs no signal: the feed is filtered by current access at read time.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from calendars.models import FeedToken

User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="calendars-feed-role-before")
def remember_role(sender, instance, update_fields=None, **kwargs):
    # A save that names its fields without the role (a login's last_login) costs nothing.
    if instance.pk and (update_fields is None or "role" in update_fields):
        instance._calendars_old_role = (
            User.objects.filter(pk=instance.pk).values_list("role", flat=True).first()
        )


@receiver(post_save, sender=User, dispatch_uid="calendars-feed-revoked")
def revoke_feed(sender, instance, **kwargs):
    old_role = getattr(instance, "_calendars_old_role", None)
    if not instance.is_active or (old_role is not None and old_role != instance.role):
        FeedToken.objects.filter(user=instance).delete()
