"""Deliveries queue behind beat's work on the real broker: after a backlog of mail the thousands of
confirmations must not hold up the next fetch or SLA sweep (with Redis, priority 0 is served first)."""

import uuid

import redis
from django.conf import settings

from escalation.tasks import sweep
from helpdesk.celery import app
from mailchannel.tasks import deliver_outbound, fetch_all_mailboxes


def test_a_delivery_waits_behind_fetches_and_sweeps():
    queue = f"priority-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    low, high = f"{queue}\x06\x169", queue  # kombu's list per priority step: 9 last, 0 first
    try:
        with app.connection_for_write() as connection:
            deliver_outbound.apply_async((1,), queue=queue, connection=connection)
            fetch_all_mailboxes.apply_async(queue=queue, connection=connection)
            sweep.apply_async(queue=queue, connection=connection)
        assert client.llen(low) == 1
        assert client.llen(high) == 2
    finally:
        client.delete(low, high, *(f"{queue}\x06\x16{step}" for step in (3, 6)))
