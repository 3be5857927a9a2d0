import datetime

from django.db import migrations, models
from django.db.models import F


def leases_from_claims(apps, schema_editor):
    """Rows claimed before leases existed keep the claim timeout they were given."""
    Reminder = apps.get_model("circles", "Reminder")
    Reminder.objects.filter(sent_at__isnull=True, claimed_at__isnull=False).update(
        lease_expires_at=F("claimed_at") + datetime.timedelta(minutes=10)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0006_edit_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(leases_from_claims, migrations.RunPython.noop),
    ]
