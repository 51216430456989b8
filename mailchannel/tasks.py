"""Celery tasks of the mail channel: thin, they take ids and call the services."""

import logging

from celery import shared_task
from django.conf import settings

from . import imap, outbound
from .models import Mailbox

logger = logging.getLogger(__name__)

# An outbox row whose on-commit task has not started after this long is taken up by the sweep.
OUTBOX_GRACE_SECONDS = 30
# Deliveries wait behind everything else (with Redis, 0 is the highest priority and the default):
# after a backlog of mail, some 10,000 confirmations queued up, and beat's fetches and SLA sweeps
# behind them expired unrun, so new mail waited minutes to be fetched (bench-mail's p99).
DELIVERY_PRIORITY = 9


@shared_task(ignore_result=True)
def fetch_all_mailboxes() -> int:
    """Run by beat: one fetch task per active IMAP mailbox, so mailboxes are fetched in parallel
    and a slow server holds up only its own."""
    ids = list(Mailbox.objects.filter(is_active=True).exclude(imap_host="").values_list("pk", flat=True))
    shares = settings.HELPDESK_MAIL_FETCH_PARALLELISM
    for mailbox_id in ids:
        for share in range(shares):
            fetch_mailbox.apply_async((mailbox_id, share, shares), expires=settings.HELPDESK_MAIL_FETCH_SECONDS)
    return len(ids)


@shared_task(ignore_result=True)
def fetch_mailbox(mailbox_id: int, share: int = 0, shares: int = 1) -> int:
    """Fetch one mailbox, or one share of it (the mails whose UID % shares == share)."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    if mailbox is None or not mailbox.fetches_by_imap:
        return 0
    try:
        # Mail arriving during a long fetch is taken by it, for up to one poll interval (the next
        # beat tick takes over after that, so the worker process is free for deliveries between).
        result = imap.fetch_and_record(mailbox, share=share, shares=shares,
                                       keep_going_seconds=settings.HELPDESK_MAIL_FETCH_SECONDS)
    except Exception:  # noqa: BLE001 - recorded on the mailbox; the next beat tick tries again
        logger.warning("Fetching mailbox %s failed", mailbox.name, exc_info=True)
        return 0
    return result.fetched if result else 0


@shared_task(acks_late=True, ignore_result=True, priority=DELIVERY_PRIORITY)
def deliver_outbound(outbound_id: int) -> str:
    # No Celery retries: a failed attempt sets the row's next attempt, and the outbox sweep takes
    # it up then, so a retry survives a lost broker message or a restarted worker.
    return outbound.deliver(outbound_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Run by beat: deliver every outbox row that is due and not yet taken."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import OutboundMessage, OutboundStatus

    due = list(OutboundMessage.objects.filter(
        status=OutboundStatus.PENDING, next_attempt_at__lte=timezone.now() - timedelta(seconds=OUTBOX_GRACE_SECONDS),
    ).order_by("next_attempt_at").values_list("pk", flat=True)[:500])
    for outbound_id in due:
        deliver_outbound.delay(outbound_id)
    return len(due)
