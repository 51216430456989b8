from celery import shared_task
from django.conf import settings

from . import notifications, reminders, services


@shared_task
def sweep(helper: bool = False) -> int:
    """Run by beat every few seconds: act on every clock that is due. Safe to run in parallel:
    when more is due than one batch, other worker processes are asked to help, and a sweep that
    ran out of time hands the rest on instead of waiting for beat's next tick."""
    if not helper:
        extra = settings.HELPDESK_SWEEP_PARALLELISM - 1
        if extra > 0 and services.due_backlog(limit=services.SWEEP_BATCH * 2) >= services.SWEEP_BATCH * 2:
            for _ in range(extra):
                sweep.apply_async(kwargs={"helper": True}, expires=settings.HELPDESK_SWEEP_SECONDS)
    done = services.process_due_clocks()
    if not helper:
        done += reminders.process_due_reminders()
    if services.due_backlog(limit=1):
        # More is due. If this run could act on nothing (every ticket busy in a request), wait a
        # second before the next look rather than spin.
        sweep.apply_async(kwargs={"helper": True}, expires=settings.HELPDESK_SWEEP_SECONDS,
                          countdown=0 if done else 1)
    return done


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5,
             ignore_result=True)  # nobody waits for a mail's result: no result key per mail
def send_sla_mail(notification_ids: list[int]) -> int:
    return notifications.send_notification_mails(notification_ids)


@shared_task(ignore_result=True)
def recompute_open_tickets() -> int:
    return services.recompute_open_tickets()
