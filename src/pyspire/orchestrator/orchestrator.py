"""The control plane of one app host: object store, log store, ports, proxies and controllers.

``async with Orchestrator().running():`` starts the proxy hub and the controllers; leaving the
block tears everything down in order — processes and containers first (each with its grace
period, all in parallel), then services and their proxies, then container networks — shielded, so
a cancellation cannot leave it half done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

from pyspire.orchestrator.containers import ContainerController
from pyspire.orchestrator.engine import EngineProvider
from pyspire.orchestrator.executables import ExecutableController, ProcessObserver
from pyspire.orchestrator.logs import LogStore
from pyspire.orchestrator.networks import ContainerNetworkController, ContainerVolumeController
from pyspire.orchestrator.objects import CONTAINER, CONTAINER_NETWORK, CONTAINER_VOLUME, EXECUTABLE, SERVICE
from pyspire.orchestrator.ports import PortAllocator
from pyspire.orchestrator.redaction import Redactor
from pyspire.orchestrator.services import ServiceController
from pyspire.orchestrator.store import ObjectStore
from pyspire.proxy import ProxyHub


class Orchestrator:
    def __init__(
        self,
        log_lines: int = 10_000,
        observer: ProcessObserver | None = None,
        engines: EngineProvider | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.store = ObjectStore()
        #: Every secret of the run: whatever leaves the app host is masked with it.
        self.redactor = redactor or Redactor()
        self.logs = LogStore(log_lines, self.redactor)
        self.ports = PortAllocator()
        self.proxies = ProxyHub()
        self.engines = engines or EngineProvider()
        self.executables = ExecutableController(self.store, self.logs, observer)
        self.containers = ContainerController(self.store, self.logs, self.engines)
        self.networks = ContainerNetworkController(self.store, self.engines)
        self.volumes = ContainerVolumeController(self.store, self.engines)
        self.services = ServiceController(self.store, self.proxies, self.ports)
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Orchestrator]:
        self.proxies.start()
        tasks = self._tasks = [
            asyncio.create_task(self.executables.run(), name="executable-controller"),
            asyncio.create_task(self.services.run(), name="service-controller"),
            asyncio.create_task(self.containers.run(), name="container-controller"),
            asyncio.create_task(self.networks.run(), name="container-network-controller"),
            asyncio.create_task(self.volumes.run(), name="container-volume-controller"),
        ]
        try:
            yield self
        finally:
            await asyncio.shield(self._teardown(tasks))

    async def stop_all(self) -> None:
        """Stop every replica (in parallel, each with its grace period), then every service.
        Without running controllers (they crashed or were cancelled) nothing would ever finish
        the deletions: then kill every process group at once instead of waiting forever."""
        if any(task.done() for task in self._tasks):
            self.kill_now()
            await asyncio.gather(*self._background, return_exceptions=True)
            return
        await asyncio.gather(self.delete_all(EXECUTABLE), self.delete_all(CONTAINER))
        await self.delete_all(SERVICE)
        await asyncio.gather(self.delete_all(CONTAINER_NETWORK), self.delete_all(CONTAINER_VOLUME))

    async def _teardown(self, tasks: list[asyncio.Task[None]]) -> None:
        try:
            await self.stop_all()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.proxies.aclose()

    async def delete_all(self, kind: str) -> None:
        """Delete every object of ``kind`` and wait until their controllers have let them go."""
        names = [obj["metadata"]["name"] for obj in self.store.list(kind)]
        for name in names:
            self.store.delete(kind, name)
        await self.wait_deleted(kind, names)

    async def wait_deleted(self, kind: str, names: Iterable[str]) -> None:
        pending = {n for n in names if self.store.exists(kind, n)}
        if not pending:
            return
        async for event in self.store.watch(kind, resource_version=self.store.resource_version):
            if event.type == "DELETED":
                pending.discard(event.name)
                if not pending:
                    return

    def kill_now(self) -> None:
        """SIGKILL every process group and remove every session container now (second Ctrl+C)."""
        self.executables.kill_all_now()
        task = asyncio.get_running_loop().create_task(self.containers.kill_all_now())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
