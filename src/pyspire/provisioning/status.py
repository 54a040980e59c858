"""The states users see, in one place the controller writes and the app host's resource snapshots
(next: the dashboard, the API, the CLI) read. Listeners hear every change in order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from pyspire.provisioning.states import EnvironmentState, ProvisioningState


@dataclass(frozen=True)
class ResourceStatus:
    """What the dashboard shows for one cloud resource. ``identity``: account, region, group and
    deployment id, stamped before the first cloud call so that a failed call still shows where."""

    state: ProvisioningState = ProvisioningState.NOT_PROVISIONED
    message: str = ""
    identity: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusEvent:
    """One change: ``name`` is a resource, or the environment when ``environment`` is true."""

    name: str
    state: str
    message: str
    identity: Mapping[str, str]
    environment: bool = False


Listener = Callable[[StatusEvent], None]


class StatusBoard:
    """Current status of each resource and of the environment, and the listeners to tell."""

    def __init__(self, environment: str, names: list[str]) -> None:
        self.environment_name = environment
        self.resources: dict[str, ResourceStatus] = {n: ResourceStatus() for n in names}
        self.environment = EnvironmentState.NOT_PROVISIONED
        self.environment_message = ""
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def stamp(self, name: str, **identity: str) -> None:
        """Add identity metadata without changing the state."""
        cur = self.resources[name]
        self._put(name, replace(cur, identity={**cur.identity, **{k: v for k, v in identity.items() if v}}))

    def set(self, name: str, state: ProvisioningState, message: str = "") -> None:
        self._put(name, replace(self.resources[name], state=state, message=message))

    def set_environment(self, state: EnvironmentState, message: str = "") -> None:
        if (state, message) == (self.environment, self.environment_message):
            return
        self.environment, self.environment_message = state, message
        self._emit(StatusEvent(self.environment_name, state.value, message, {}, environment=True))

    def _put(self, name: str, status: ResourceStatus) -> None:
        if status == self.resources[name]:
            return
        self.resources[name] = status
        self._emit(StatusEvent(name, status.state.value, status.message, dict(status.identity)))

    def _emit(self, event: StatusEvent) -> None:
        for listener in list(self._listeners):
            listener(event)
