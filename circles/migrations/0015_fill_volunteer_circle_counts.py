from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    """Each volunteer's circles held now, as the membership services keep it from here."""
    CircleMembership = apps.get_model("circles", "CircleMembership")
    Volunteer = apps.get_model("volunteers", "Volunteer")
    current = (
        CircleMembership.objects.filter(volunteer=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("volunteer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Volunteer.objects.update(circle_count=Coalesce(Subquery(current), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0014_reminder_kind_supervision_due"),
        ("volunteers", "0004_circle_count_on_the_row"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
