"""Alerts already stored stop naming volunteers, as new ones no longer do.

The supervision-due reminder put the volunteer's first name in its subject
("Supervision due: Alice"), and the alerts about an account locked name its e-mail
address. Erasure now rewords the alerts about an erased volunteer
(privacy.volunteers.alerts_about), but rows written before cannot be traced to a
volunteer by their words: every old supervision-due subject becomes the wording
without a name, and the alerts about volunteers already erased get the words erasure
now gives them. The paths are those of the time the rows were written.
"""

from django.db import migrations

OLD_SUPERVISION_PREFIX = "Supervision due: "
SUPERVISION_SUBJECT = "Supervision due for a volunteer"
ERASED_ALERT_SUBJECT = "An alert about a former volunteer"
ERASED_ALERT_BODY = "The volunteer's record has since been erased."


def forwards(apps, schema_editor):
    from django.db.models import Q

    Notification = apps.get_model("accounts", "Notification")
    Volunteer = apps.get_model("volunteers", "Volunteer")
    Notification.objects.filter(subject__startswith=OLD_SUPERVISION_PREFIX).update(
        subject=SUPERVISION_SUBJECT
    )
    erased = Volunteer.objects.filter(erased_at__isnull=False).values_list("pk", "user_id")
    for volunteer_id, user_id in erased.iterator():
        Notification.objects.filter(
            Q(link__startswith=f"/volunteers/{volunteer_id}/")
            | Q(link__startswith=f"/admin/accounts/user/{user_id}/change/")
        ).exclude(recipient_id=user_id).update(
            subject=ERASED_ALERT_SUBJECT, body=ERASED_ALERT_BODY, email_error=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0002_audit_trail_sensitive_values"),
        ("accounts", "0007_access_log_refuse_truncate"),
        ("volunteers", "0005_supervision_supervisor_and_erasure"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
