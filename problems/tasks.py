"""Workers' part in problems: broadcasts in batches, and a sweep that resumes one whose worker died."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import selectors, services


@shared_task(ignore_result=True, acks_late=True)
def run_broadcast(broadcast_id: int) -> None:
    """One of the broadcast's workers (HELPDESK_BROADCAST_PARALLELISM share it): batch after batch
    until no ticket is left."""
    while services.broadcast_run_batch(broadcast_id):
        pass


@shared_task(ignore_result=True)
def resume_broadcasts() -> None:
    """Queue every unfinished broadcast that made no progress lately (its task was lost or its worker
    killed). A running broadcast reports after every batch (a second or two), so this silence means
    its workers are gone; batches are claimed with SKIP LOCKED and marked per ticket, so resuming
    doubles nothing."""
    for broadcast_id in selectors.stale_broadcast_ids(
            silent_for=timedelta(seconds=settings.HELPDESK_BROADCAST_STALE_SECONDS)):
        run_broadcast.delay(broadcast_id)
