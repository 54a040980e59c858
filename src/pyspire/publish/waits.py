"""Waits become start order: ``wait_for`` → ``service_healthy``, ``wait_for_start`` →
``service_started``, ``wait_for_completion`` → ``service_completed_successfully``.

A wait for something folded into another service waits for that service (a PostgreSQL database:
its server). A wait for an install step is dropped (the image installed at build time), as is one
for something the deployment does not run (a parameter, an external dependency). Compose can only
wait for ``service_healthy`` when the target has a healthcheck: without one the wait becomes
``service_started``. Several waits for one service keep the strongest condition.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.resource import Resource
from pyspire.publish.plan import PublishPlan

STARTED = "service_started"
HEALTHY = "service_healthy"
COMPLETED = "service_completed_successfully"
_STRENGTH = {STARTED: 0, HEALTHY: 1, COMPLETED: 2}


def depends_on(
    resource: Resource, plan: PublishPlan, has_healthcheck: Callable[[Resource], bool]
) -> dict[str, dict[str, str]]:
    """Service name → ``{"condition": …}`` for each service ``resource`` waits for, in the order
    of its first wait."""
    conditions: dict[str, str] = {}
    for wait in resource.annotations_of(WaitAnnotation):
        service = plan.service_for(wait.target)
        if service is None or service.resource is resource:
            continue
        target = service.resource
        if wait.kind == "completion" and service.resource is wait.target:
            condition = COMPLETED
        elif wait.kind == "start":
            condition = STARTED
        else:
            condition = HEALTHY if has_healthcheck(target) else STARTED
        known = conditions.get(target.name)
        if known is None or _STRENGTH[condition] > _STRENGTH[known]:
            conditions[target.name] = condition
    return {name: {"condition": condition} for name, condition in conditions.items()}
