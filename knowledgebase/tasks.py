from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def refresh_title_words() -> None:
    services.refresh_title_words()
