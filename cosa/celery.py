"""The Celery app: autodiscovers each app's tasks.py; JSON only; UTC."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cosa.settings")

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
    beat_schedule={},
)

# The filesystem broker (make run) needs its folders before the first message.
for option in ("data_folder_in", "processed_folder"):
    folder = app.conf.broker_transport_options.get(option)
    if folder:
        os.makedirs(folder, exist_ok=True)

app.autodiscover_tasks()
