"""The Celery app: autodiscovers each app's tasks.py; JSON only; UTC."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cosa.settings")

# How often beat runs the reminder sweep (the operations page shows it).
SWEEP_INTERVAL_SECONDS = 5 * 60
# How often beat recounts the reports overview's service-wide summary.
SUMMARY_INTERVAL_SECONDS = 5 * 60

app = Celery("cosa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    enable_utc=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=60,
    task_time_limit=90,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # One static schedule; the sweep finds due work in the database (DESIGN §5).
    beat_schedule={
        "reminders-sweep": {
            "task": "circles.tasks.sweep",
            "schedule": float(SWEEP_INTERVAL_SECONDS),
            # A sweep not started within the interval is dropped: the next one catches up.
            "options": {"expires": SWEEP_INTERVAL_SECONDS},
        },
        "meetings-generate": {
            "task": "circles.tasks.meetings_generate_all",
            "schedule": crontab(hour=2, minute=15),  # UTC
        },
        # The manager's overview reads these counts and shows when they were taken.
        "reports-summary": {
            "task": "reports.tasks.summary_refresh",
            "schedule": float(SUMMARY_INTERVAL_SECONDS),
            "options": {"expires": SUMMARY_INTERVAL_SECONDS},
        },
        "drafts-purge": {
            "task": "formpages.tasks.purge",
            "schedule": crontab(hour=3, minute=45),  # UTC
        },
        # The DBS code of practice: no copy of a certificate kept longer than needed.
        "dbs-scans-purge": {
            "task": "documents.tasks.dbs_scans_purge",
            "schedule": crontab(hour=4, minute=0),  # UTC
        },
        "retention": {
            "task": "privacy.tasks.retention_sweep",
            "schedule": crontab(hour=3, minute=30),  # UTC
        },
    },
)

# The filesystem broker (make run) needs its folders before the first message.
for option in ("data_folder_in", "processed_folder"):
    folder = app.conf.broker_transport_options.get(option)
    if folder:
        os.makedirs(folder, exist_ok=True)

app.autodiscover_tasks()
