"""How the controller's states look as resource snapshots: a :class:`ResourceState` the executor,
waits and the CLI understand, a health, and the provisioning state's own words as the message
("Waiting for deployment", "Failed to provision: <the cloud's error>")."""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.extensions import HealthStatus, ResourceState
from pyspire.provisioning.states import EnvironmentState as E
from pyspire.provisioning.states import ProvisioningState as P


@dataclass(frozen=True)
class Shown:
    """A snapshot's state, message and health for one provisioning state."""

    state: ResourceState
    message: str | None
    health: HealthStatus | None


_RESOURCE: dict[P, tuple[ResourceState, HealthStatus | None]] = {
    P.NOT_PROVISIONED: (ResourceState.STARTING, None),
    P.PREPARING_TEMPLATE: (ResourceState.STARTING, None),
    P.CREATING_DEPLOYMENT: (ResourceState.STARTING, None),
    P.WAITING_FOR_DEPLOYMENT: (ResourceState.STARTING, None),
    P.PROVISIONED: (ResourceState.RUNNING, HealthStatus.HEALTHY),
    # Dependents that wait for it fail (FailedToStart is terminal) and name it.
    P.FAILED_TO_PROVISION: (ResourceState.FAILED_TO_START, None),
    # Still there for what already uses its outputs, but unhealthy until reprovisioned.
    P.MISSING_IN_CLOUD: (ResourceState.RUNNING, HealthStatus.UNHEALTHY),
    P.DELETING: (ResourceState.STOPPING, None),
    P.DELETED: (ResourceState.EXITED, None),
    P.CANCELED: (ResourceState.EXITED, None),
    P.MISSING_CONFIGURATION: (ResourceState.VALUE_MISSING, None),
}

_ENVIRONMENT: dict[E, tuple[ResourceState, HealthStatus | None]] = {
    E.NOT_PROVISIONED: (ResourceState.STARTING, None),
    E.PROVISIONING: (ResourceState.STARTING, None),
    E.READY: (ResourceState.RUNNING, HealthStatus.HEALTHY),
    E.FAILED: (ResourceState.RUNNING, HealthStatus.UNHEALTHY),
    E.DRIFTED: (ResourceState.RUNNING, HealthStatus.UNHEALTHY),
    E.MISSING_CONFIGURATION: (ResourceState.VALUE_MISSING, None),
}


def _message(state: str, detail: str) -> str:
    """``Missing configuration: set …`` and ``Failed to provision: <error>``, never the state twice."""
    if not detail:
        return state
    if detail.lower().startswith(state.lower()):
        return state + detail[len(state) :]
    return f"{state}: {detail}"


def shown_resource(state: P, detail: str = "") -> Shown:
    resource_state, health = _RESOURCE[state]
    return Shown(resource_state, _message(state.value, detail), health)


def shown_environment(state: E, detail: str = "") -> Shown:
    resource_state, health = _ENVIRONMENT[state]
    return Shown(resource_state, _message(state.value, detail), health)
