"""``manage.py reminders_sweep``: run one reminder sweep now, as beat would.

For operations: after an outage, or to see what a sweep would find. The sends
are enqueued to the broker after the claim commits, exactly as from the task.
"""

from django.core.management.base import BaseCommand

from circles import reminders


class Command(BaseCommand):
    help = "Run one reminder sweep now: create due reminders, claim and enqueue their sends."

    def handle(self, *args, **options):
        run = reminders.sweep()
        self.stdout.write(
            f"sweep {run.started_at:%Y-%m-%d %H:%M:%S} UTC: {run.created} new, "
            f"{run.enqueued} enqueued, {run.queries} queries, "
            f"{(run.finished_at - run.started_at).total_seconds():.2f} s"
        )
