"""Daily: DBS certificate scans older than six months are deleted (thin; the rule is in
documents/services.py)."""

import logging

from celery import shared_task

from documents import services

logger = logging.getLogger(__name__)


@shared_task(name="documents.tasks.dbs_scans_purge", acks_late=True, ignore_result=True)
def dbs_scans_purge():
    """Safe to run twice: a deleted scan is not found again."""
    deleted = services.dbs_scans_purge()
    logger.info("documents: %d DBS scan(s) deleted", deleted)
    return deleted
