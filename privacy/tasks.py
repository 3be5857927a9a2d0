"""Daily retention job: thin; the work and its rules are in privacy/retention.py."""

import logging

from celery import shared_task

from privacy import retention
from privacy.volunteers import volunteer_retention_sweep

logger = logging.getLogger(__name__)


@shared_task(name="privacy.tasks.retention_sweep", acks_late=True)
def retention_sweep():
    """Erase records past their retention date, and anonymise volunteers long gone.
    Safe to run twice: erased rows are gone, anonymised volunteers are marked."""
    erased = retention.retention_sweep()
    logger.info("retention: %d record(s) erased", len(erased))
    volunteers = volunteer_retention_sweep()
    logger.info("retention: %d volunteer(s) anonymised", len(volunteers))
    return len(erased) + len(volunteers)
