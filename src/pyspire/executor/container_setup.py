"""What containers share in one run: their network, their named volumes, the engine.

One network for the run's containers (a persistent one when any container is persistent, so
they keep their network when the app host stops) and one Volume object per named volume are
created before anything starts. The engine is asked for once (the first container that needs it
waits; the rest share the answer). Exec health checks run through here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pyspire.executor.container_launch import ContainerSetup, ContainerUnavailable
from pyspire.labels import LABEL_APP, LABEL_RUN
from pyspire.model.resources import ContainerResource, Resource
from pyspire.orchestrator.objects import CONTAINER, CONTAINER_NETWORK, new_network, new_volume
from pyspire.orchestrator.orchestrator import Orchestrator
from pyspire.runtime.containers import NoContainerEngine

#: The name of the run's ContainerNetwork object (not the engine's network name).
NETWORK_OBJECT = "network"


class ContainerSetups:
    def __init__(self, orchestrator: Orchestrator, app_key: str, run_id: str) -> None:
        self._orchestrator = orchestrator
        self._app_key = app_key
        self._run_id = run_id
        #: The Network object's name, once created (None: the app has no containers).
        self.network: str | None = None
        self._setups: dict[bool, asyncio.Task[ContainerSetup]] = {}

    def labels(self, persistent: bool) -> dict[str, str]:
        return {LABEL_APP: self._app_key} if persistent else {LABEL_RUN: self._run_id}

    def create_objects(self, resources: Sequence[Resource]) -> None:
        """The network and the named volumes of the app's containers."""
        containers = [r for r in resources if isinstance(r, ContainerResource)]
        if not containers:
            return
        persistent = any(c.persistent for c in containers)
        network_name = f"pyspire-{self._app_key}" if persistent else f"pyspire-{self._run_id.lower()}"
        self.network = NETWORK_OBJECT
        store = self._orchestrator.store
        store.create(
            new_network(
                self.network, network_name=network_name, persistent=persistent, labels=self.labels(persistent)
            )
        )
        volumes = {m.source for c in containers for m in c.mounts if m.kind == "volume" and m.source}
        for volume in sorted(volumes):
            store.create(
                new_volume(f"volume-{volume}", volume_name=volume, labels={LABEL_APP: self._app_key})
            )

    async def setup(self, persistent: bool) -> ContainerSetup:
        """The engine (once it answers) and the network's name; raises :class:`ContainerUnavailable`.
        The Container controller waits for the network itself, while it gets the image."""
        task = self._setups.get(persistent)
        if task is None:
            task = self._setups[persistent] = asyncio.ensure_future(self._setup(persistent))
        return await asyncio.shield(task)

    async def _setup(self, persistent: bool) -> ContainerSetup:
        try:
            runtime = await self._orchestrator.engines.get()
        except NoContainerEngine as exc:
            raise ContainerUnavailable(str(exc)) from None
        network = self._orchestrator.store.find(CONTAINER_NETWORK, self.network or "")
        return ContainerSetup(
            runtime.host_alias, network["spec"]["networkName"] if network else None, self.labels(persistent)
        )

    async def exec_in(self, replica: str, argv: Sequence[str], timeout: float) -> tuple[int, str]:
        """Run ``argv`` inside a container replica (exec health checks)."""
        obj = self._orchestrator.store.find(CONTAINER, replica)
        runtime = self._orchestrator.engines.runtime
        container_id = obj["status"].get("containerId") if obj else None
        if not container_id or runtime is None:
            raise RuntimeError("the container is not running")
        return await runtime.exec(container_id, argv, timeout)
