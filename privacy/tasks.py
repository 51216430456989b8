from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def apply_retention() -> int:
    """Beat, hourly: anonymise the closed tickets whose retention period is over, batch by batch; and
    finish the searches for mentions of erased people whose task was lost."""
    services.sweep_leftovers()
    return services.apply_retention()


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5,
             ignore_result=True)
def notify_admins_of_request(request_id: int) -> bool:
    return services.notify_admins_of_request(request_id=request_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_mentions(record_id: int) -> int | None:
    return services.sweep_mentions(record_id=record_id)
