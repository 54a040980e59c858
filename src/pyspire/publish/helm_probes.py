"""Liveness and readiness probes from the model's health checks.

The kubelet runs ``httpGet`` and ``tcpSocket`` probes itself, so unlike Compose an http or tcp
check needs no program in the image, whatever the image is:

- ``http`` → ``httpGet`` of its path on the endpoint's named port (``HTTPS`` for https);
- ``tcp`` → ``tcpSocket`` on that port;
- ``exec`` → ``exec`` of its command in the container;
- the PostgreSQL and Redis integrations' own checks → ``pg_isready`` / ``redis-cli ping``;
- ``log`` and other ``custom`` checks cannot be expressed and are left out.

The first check that can be expressed is both probes: readiness every interval (the model's
healthy interval, 5 s by default), liveness at a third of that rate, so a slow start is not
killed.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pyspire.integrations.postgres import PostgresServerResource
from pyspire.integrations.redis import RedisResource
from pyspire.model.lifecycle import HealthCheckAnnotation, HealthIntervalAnnotation
from pyspire.publish.plan import PublishedResource

POSTGRES_READY = ["sh", "-c", 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER"']
REDIS_PING = ["sh", "-c", 'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG']
DEFAULT_INTERVAL = 5.0
TIMEOUT_SECONDS = 5
FAILURES = 10


def port_name(endpoint: str) -> str:
    """A Kubernetes port name (IANA service name: 1–15 of ``a-z0-9-``, a letter in it, no
    leading, trailing or double ``-``) for an endpoint name."""
    name = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", endpoint.lower()))[:15].strip("-")
    return name if re.search(r"[a-z]", name) else f"p-{name}"[:15].strip("-")


def probes(entry: PublishedResource) -> dict[str, Any]:
    """``{"readinessProbe": …, "livenessProbe": …}``, or ``{}`` when no check can be expressed."""
    handler = _handler(entry)
    if handler is None:
        return {}
    interval = entry.resource.last_annotation(HealthIntervalAnnotation)
    period = max(1, math.ceil(interval.healthy if interval is not None else DEFAULT_INTERVAL))
    timeout = min(TIMEOUT_SECONDS, period)
    return {
        "readinessProbe": {**handler, "periodSeconds": period, "timeoutSeconds": timeout, "failureThreshold": 3},
        "livenessProbe": {
            **handler,
            "periodSeconds": period * 3,
            "timeoutSeconds": timeout,
            "failureThreshold": FAILURES,
        },
    }


def _handler(entry: PublishedResource) -> dict[str, Any] | None:
    resource = entry.resource
    for check in resource.annotations_of(HealthCheckAnnotation):
        if check.kind == "exec":
            return {"exec": {"command": list(check.command)}}
        if check.kind in ("http", "tcp"):
            endpoint = _endpoint(entry, check)
            if endpoint is None:
                continue
            name, scheme = endpoint
            if check.kind == "tcp":
                return {"tcpSocket": {"port": port_name(name)}}
            return {"httpGet": {"path": check.path, "port": port_name(name), "scheme": "HTTPS" if scheme == "https" else "HTTP"}}
    if isinstance(resource, PostgresServerResource):
        return {"exec": {"command": list(POSTGRES_READY)}}
    if isinstance(resource, RedisResource):
        return {"exec": {"command": list(REDIS_PING)}}
    return None


def _endpoint(entry: PublishedResource, check: HealthCheckAnnotation) -> tuple[str, str] | None:
    endpoints = {e.name: e.scheme for e in entry.resource.endpoints}
    if check.endpoint_name is not None:
        scheme = endpoints.get(check.endpoint_name)
        return (check.endpoint_name, scheme) if scheme is not None else None
    http = [name for name, scheme in endpoints.items() if scheme in ("http", "https")]
    name = http[0] if http else next(iter(endpoints), None)
    return (name, endpoints[name]) if name is not None else None
