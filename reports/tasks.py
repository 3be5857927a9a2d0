"""Celery tasks for reports: thin, a service call (DESIGN §5)."""

from celery import shared_task

from reports import services


@shared_task(acks_late=True, ignore_result=True)
def summary_refresh():
    """Recount the service-wide overview (beat: every few minutes, cosa/celery.py)."""
    rows = services.summary_refresh()
    return {"rows": len(rows)}
