"""The minutes carry their meeting's circle (MeetingNote.circle), filled in from the
meetings, so a caseload's review queue is read from a small index by circle."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0011_safeguarding_cover_rota_actions_contacts"),
        ("volunteers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmeetingnote",
            name="circle",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="circles.circle",
            ),
        ),
        migrations.AddField(
            model_name="meetingnote",
            name="circle",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meeting_notes",
                to="circles.circle",
            ),
        ),
        migrations.RunSQL(
            [
                f"UPDATE {table} SET circle_id = (SELECT circles_meeting.circle_id"
                f" FROM circles_meeting WHERE circles_meeting.id = {table}.meeting_id)"
                for table in ("circles_meetingnote", "circles_historicalmeetingnote")
            ],
            migrations.RunSQL.noop,
            elidable=False,
        ),
        migrations.AlterField(
            model_name="meetingnote",
            name="circle",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meeting_notes",
                to="circles.circle",
            ),
        ),
        migrations.AddIndex(
            model_name="meetingnote",
            index=models.Index(
                condition=models.Q(("status", "SUBMITTED")),
                fields=["circle", "submitted_at"],
                name="meeting_note_review_queue",
            ),
        ),
    ]
