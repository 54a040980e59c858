"""The environment variables the services read, and a clear message when one is missing.

The names are what pyspire's PostgreSQL and Redis integrations set on a process that references
them: ``ORDERS_SQLALCHEMY_URI`` (database ``orders``, ready for ``create_engine``) and
``CACHE_URI`` (resource ``cache``, the URL ``redis.Redis.from_url`` takes).
"""

from __future__ import annotations

import os

DATABASE_URL_VARIABLE = "ORDERS_SQLALCHEMY_URI"
REDIS_URL_VARIABLE = "CACHE_URI"
QUEUE_NAME = "orders"


class MissingSetting(RuntimeError):
    """A variable the app needs is not set: say which one and where it normally comes from."""


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise MissingSetting(
            f"environment variable {name} is not set: run the app through examples/orders/apphost.py "
            f"(with_reference sets it) or export it by hand"
        )
    return value


def replica_id() -> str | None:
    """This replica's ``service.instance.id`` from ``OTEL_RESOURCE_ATTRIBUTES`` (``k=v,k=v``)."""
    for pair in os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, _, value = pair.partition("=")
        if key.strip() == "service.instance.id":
            return value.strip()
    return None
