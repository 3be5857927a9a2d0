"""A deactivated user loses their drafts at once (they can no longer reach any record)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from formpages.models import Draft


@receiver(post_save, sender=get_user_model(), dispatch_uid="formpages-drafts-deactivated")
def drafts_of_deactivated_user(sender, instance, **kwargs):
    if not instance.is_active:
        Draft.objects.filter(author=instance).delete()
