from celery import shared_task

from . import notifications, services


@shared_task
def sweep() -> int:
    """Run by beat every few seconds: act on every clock that is due. Safe to run in parallel."""
    return services.process_due_clocks()


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_sla_mail(notification_ids: list[int]) -> int:
    return notifications.send_notification_mails(notification_ids)


@shared_task(ignore_result=True)
def recompute_open_tickets() -> int:
    return services.recompute_open_tickets()
