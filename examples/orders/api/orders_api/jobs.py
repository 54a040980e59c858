"""The background job and its queue: RQ on Redis, queue ``orders``.

``fulfil_order`` runs in ``worker.py``'s RQ worker; the API enqueues it by reference, so the
worker imports this module to run it.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from functools import cache

from redis import Redis
from rq import Queue

from orders_api.db import Order, session
from orders_api.settings import QUEUE_NAME, REDIS_URL_VARIABLE, required

log = logging.getLogger("orders.worker")


@cache
def redis() -> Redis:
    return Redis.from_url(required(REDIS_URL_VARIABLE), socket_connect_timeout=2, socket_timeout=5)


def queue() -> Queue:
    return Queue(QUEUE_NAME, connection=redis())


def fulfil_order(order_id: int) -> str:
    """Mark the order fulfilled (the work a real shop would do here: reserve stock, ship…)."""
    with session() as db:
        order = db.get(Order, order_id)
        if order is None:
            log.warning("order %s does not exist (any more): nothing to fulfil", order_id)
            return "missing"
        order.status = "fulfilled"
        order.fulfilled_at = datetime.now(UTC)
        db.commit()
    log.info("fulfilled order %s (%s × %s) in pid %s", order_id, order.quantity, order.item, os.getpid())
    return "fulfilled"
