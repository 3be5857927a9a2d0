"""Nightly: expired drafts and old submit tokens go."""

from celery import shared_task

from formpages import drafts, tokens


@shared_task(acks_late=True, ignore_result=True)
def purge():
    return {"drafts": drafts.purge_expired(), "tokens": tokens.purge_old()}
