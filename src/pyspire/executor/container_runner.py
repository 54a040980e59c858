"""The runner of a container resource: one Container object instead of Executables.

Everything about waits, stop, start, restart and restart policy is the process runner's; what
differs is how the replica is rendered (values resolved as a container sees them, after the
engine and the network are known) and its name: a persistent container keeps the same suffix on
every run, so its name, instance id and configuration stay the same and it can be re-adopted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pyspire.executor.container_launch import ContainerSetup, ContainerUnavailable, render_container
from pyspire.executor.environment import Launch
from pyspire.executor.resolution import ResolutionContext, WaitReporter
from pyspire.executor.runner import ResourceRunner
from pyspire.executor.runner_host import RunnerHost
from pyspire.model.names import random_suffix, stable_suffix
from pyspire.model.resources import ContainerResource
from pyspire.orchestrator.objects import CONTAINER
from pyspire.orchestrator.store import Obj


class ContainerHost(RunnerHost, Protocol):
    """What a container runner needs from the executor beyond a process runner's needs."""

    app_key: str
    secrets_dir: Path

    async def container_setup(self, persistent: bool) -> ContainerSetup: ...


class ContainerRenderer:
    """Renders the Container object of a container resource (see
    :class:`pyspire.executor.replica_render.ReplicaRenderer`)."""

    def __init__(self, container: ContainerResource, host: ContainerHost) -> None:
        self.container, self.host = container, host
        self._setup: ContainerSetup | None = None

    def suffix(self, index: int) -> str:
        if self.container.persistent:
            return stable_suffix(f"{self.host.app_key}/{self.container.name}")
        return random_suffix()

    async def context_for(self, index: int, on_wait: WaitReporter) -> ResolutionContext:
        self._setup = await self.host.container_setup(self.container.persistent)
        return ResolutionContext(
            self.container,
            self.host.addresses,
            self.host.values,
            on_wait,
            index,
            host_alias=self._setup.host_alias,
        )

    async def render(self, index: int, suffix: str, ctx: ResolutionContext) -> tuple[Obj, Launch]:
        assert self._setup is not None
        return await render_container(
            self.container,
            ctx,
            self.host.addresses,
            suffix,
            self.host.telemetry,
            self._setup,
            self.host.secrets_dir,
        )


class ContainerRunner(ResourceRunner):
    kind = CONTAINER
    start_errors = (*ResourceRunner.start_errors, ContainerUnavailable)

    def __init__(self, resource: ContainerResource, host: ContainerHost) -> None:
        super().__init__(resource, host, ContainerRenderer(resource, host))
        self.container = resource

    def properties(self) -> tuple[tuple[str, str], ...]:
        image = self.container.image.reference
        props = [("image", image), ("lifetime", self.container.lifetime)]
        for replica in self.replicas.values():
            if replica.container_id:
                props.append(("container.id", replica.container_id[:12]))
        return tuple(props)
