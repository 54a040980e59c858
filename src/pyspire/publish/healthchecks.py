"""Compose healthchecks from the model's health checks, where a container can run them.

A check of the model runs in the app host; a healthcheck runs inside the container, so it needs a
program there:

- ``exec`` checks are already commands in the container;
- ``http`` and ``tcp`` checks of a generated Python or Node image use the interpreter the image
  has (``python -c``/``node -e``), against the port the service listens on;
- the PostgreSQL and Redis integrations' own (custom) checks become ``pg_isready`` and
  ``redis-cli ping``, which their images ship;
- ``log`` and other ``custom`` checks cannot be expressed and are left out, as are ``http``/``tcp``
  checks of an image pyspire knows nothing about (its contents are unknown).

Compose keeps one healthcheck per service: the first that can be expressed. Its interval is the
model's healthy interval (``with_health_check_interval``), 5 s by default.
"""

from __future__ import annotations

from typing import Any

from pyspire.integrations.postgres import PostgresServerResource
from pyspire.integrations.redis import RedisResource
from pyspire.model.lifecycle import HealthCheckAnnotation, HealthIntervalAnnotation
from pyspire.publish.compose_context import compose_literal
from pyspire.publish.plan import PublishedResource

POSTGRES_READY = ["CMD-SHELL", 'pg_isready -h 127.0.0.1 -U "$${POSTGRES_USER}"']
REDIS_PING = ["CMD-SHELL", 'redis-cli -a "$${REDIS_PASSWORD}" --no-auth-warning ping | grep -q PONG']
DEFAULT_INTERVAL = 5.0
TIMEOUT = "5s"
RETRIES = 10


def seconds(value: float) -> str:
    """A Compose duration: ``5s``, ``1m30s`` is not needed, ``100ms`` for fractions."""
    if value == int(value):
        return f"{int(value)}s"
    return f"{round(value * 1000)}ms"


def healthcheck(entry: PublishedResource) -> dict[str, Any] | None:
    """The service's healthcheck, or ``None`` when none of its checks can be expressed."""
    resource = entry.resource
    test = _test(entry)
    if test is None:
        return None
    interval = resource.last_annotation(HealthIntervalAnnotation)
    return {
        "test": test,
        "interval": seconds(interval.healthy if interval is not None else DEFAULT_INTERVAL),
        "timeout": TIMEOUT,
        "retries": RETRIES,
    }


def _test(entry: PublishedResource) -> list[str] | None:
    resource = entry.resource
    for check in resource.annotations_of(HealthCheckAnnotation):
        if check.kind == "exec":
            return ["CMD", *(compose_literal(word) for word in check.command)]
        if check.kind in ("http", "tcp") and entry.generator is not None:
            port = _port(entry, check)
            if port is not None:
                return _probe(entry.generator, check, port)
    if isinstance(resource, PostgresServerResource):
        return list(POSTGRES_READY)
    if isinstance(resource, RedisResource):
        return list(REDIS_PING)
    return None


def _port(entry: PublishedResource, check: HealthCheckAnnotation) -> int | None:
    resource, ports = entry.resource, entry.ports
    if check.endpoint_name is not None:
        return ports.get(check.endpoint_name)
    http = [e.name for e in resource.endpoints if e.scheme in ("http", "https")]
    name = http[0] if http else next(iter(ports), None)
    return ports.get(name) if name is not None else None


def _probe(generator: str, check: HealthCheckAnnotation, port: int) -> list[str]:
    url = compose_literal(f"http://127.0.0.1:{port}{check.path}")
    if generator == "python":
        if check.kind == "http":
            code = (
                "import sys, urllib.request; "
                f"sys.exit(0 if urllib.request.urlopen('{url}', timeout=4).status == {check.status_code} else 1)"
            )
        else:
            code = f"import socket; socket.create_connection(('127.0.0.1', {port}), 4).close()"
        return ["CMD", "python", "-c", code]
    if check.kind == "http":
        code = (
            f"fetch('{url}').then(r => process.exit(r.status === {check.status_code} ? 0 : 1), "
            "() => process.exit(1))"
        )
    else:
        code = (
            f"require('net').connect({port}, '127.0.0.1')"
            ".on('connect', () => process.exit(0)).on('error', () => process.exit(1))"
        )
    return ["CMD", "node", "-e", code]
