from celery import shared_task

from . import notifications


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5,
             ignore_result=True)  # nobody waits for a mail's result: no result key per mail
def send_ticket_notification(event_id: int) -> bool:
    return notifications.send_event_mail(event_id)
