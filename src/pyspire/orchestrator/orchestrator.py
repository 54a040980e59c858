"""The control plane of one app host: object store, log store, ports, proxies and controllers.

``async with Orchestrator().running():`` starts the proxy hub and, under supervision, one
controller per registered kind that has one (:mod:`pyspire.orchestrator.kinds`); leaving the block
tears everything down in the kinds' teardown phases — by default processes and containers first
(each with its grace period, all in parallel), then services and their proxies, then container
networks and volumes — shielded, so a cancellation cannot leave it half done.

A controller that keeps crashing ends supervision: :attr:`Orchestrator.failed` is set (the app
host stops) and leaving ``running()`` raises the :class:`ControllerFailed` that says which.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Iterable
from typing import Any, cast

from pyspire.orchestrator.builtin_kinds import KINDS
from pyspire.orchestrator.containers import ContainerController
from pyspire.orchestrator.controller import Controller
from pyspire.orchestrator.engine import EngineProvider
from pyspire.orchestrator.executables import ExecutableController, ProcessObserver
from pyspire.orchestrator.kinds import ControllerContext, KindRegistry
from pyspire.orchestrator.logs import LogStore
from pyspire.orchestrator.objects import CONTAINER, EXECUTABLE
from pyspire.orchestrator.ports import PortAllocator
from pyspire.orchestrator.redaction import Redactor
from pyspire.orchestrator.store import ObjectStore
from pyspire.orchestrator.supervision import ControllerFailed, SupervisionPolicy, Supervisor
from pyspire.proxy import ProxyHub


class Orchestrator:
    def __init__(
        self,
        log_lines: int = 10_000,
        observer: ProcessObserver | None = None,
        engines: EngineProvider | None = None,
        redactor: Redactor | None = None,
        kinds: KindRegistry | None = None,
        supervision: SupervisionPolicy | None = None,
        store: ObjectStore | None = None,
    ) -> None:
        self.store = store or ObjectStore()
        #: Every secret of the run: whatever leaves the app host is masked with it.
        self.redactor = redactor or Redactor()
        self.logs = LogStore(log_lines, self.redactor)
        self.ports = PortAllocator()
        self.proxies = ProxyHub()
        self.engines = engines or EngineProvider()
        #: The kinds this orchestrator serves, fixed when it is made (default: the process-wide
        #: registry as it is now).
        self.kinds = (kinds if kinds is not None else KINDS).copy()
        context = ControllerContext(
            self.store, self.logs, self.ports, self.proxies, self.engines, self.redactor, observer
        )
        #: kind → its controller.
        self.controllers: dict[str, Controller] = {
            spec.kind: spec.controller(context) for spec in self.kinds if spec.controller is not None
        }
        self._supervisor = Supervisor(self.controllers, supervision or SupervisionPolicy())
        self._supervision: asyncio.Task[None] | None = None
        #: Set when a controller kept crashing; :attr:`failure` says which.
        self.failed = asyncio.Event()
        self.failure: ControllerFailed | None = None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def executables(self) -> ExecutableController:
        return cast(ExecutableController, self.controllers[EXECUTABLE])

    @property
    def containers(self) -> ContainerController:
        return cast(ContainerController, self.controllers[CONTAINER])

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Orchestrator]:
        self.proxies.start()
        supervision = self._supervision = asyncio.create_task(self._supervise(), name="controller-supervisor")
        try:
            await self._until_watching(supervision)
            yield self
        finally:
            await asyncio.shield(self._teardown(supervision))
        if self.failure is not None:
            raise self.failure

    async def _until_watching(self, supervision: asyncio.Task[None]) -> None:
        """Return once every controller watches (an object created afterwards is seen by the
        watch itself, not by its first list), or supervision has ended (it failed)."""
        watching: asyncio.Future[Any] = asyncio.gather(*(c.ready.wait() for c in self.controllers.values()))
        ends: list[asyncio.Future[Any]] = [watching, supervision]
        try:
            await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)

    async def _supervise(self) -> None:
        try:
            await self._supervisor.run()
        except* ControllerFailed as group:
            self.failure = cast(ControllerFailed, group.exceptions[0])
            self.failed.set()

    async def stop_all(self) -> None:
        """Delete every object of the kinds shutdown deletes, phase by phase (the kinds of one
        phase in parallel), each phase once the one before has let go. Without running
        controllers (they failed, or were cancelled, before or during this) nothing would ever
        finish the deletions: then kill everything at once instead of waiting forever."""
        for phase in self.kinds.teardown_phases():
            if not await self._unless_supervision_ends(*(self.delete_all(spec.kind) for spec in phase)):
                self.kill_now()
                await asyncio.gather(*self._background, return_exceptions=True)
                return

    async def _unless_supervision_ends(self, *deletions: Coroutine[Any, Any, None]) -> bool:
        """Run ``deletions``; False (and they are cancelled) when the controllers are gone."""
        supervision = self._supervision
        if supervision is None or supervision.done():
            for deletion in deletions:
                deletion.close()
            return False
        deleting: asyncio.Future[Any] = asyncio.gather(*deletions)
        ends: list[asyncio.Future[Any]] = [deleting, supervision]
        await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
        if deleting.done():
            deleting.result()
            return True
        deleting.cancel()
        await asyncio.gather(deleting, return_exceptions=True)
        return False

    async def _teardown(self, supervision: asyncio.Task[None]) -> None:
        try:
            await self.stop_all()
        finally:
            supervision.cancel()
            await asyncio.gather(supervision, return_exceptions=True)
            await asyncio.gather(*self._background, return_exceptions=True)
            await self.proxies.aclose()

    async def delete_all(self, kind: str) -> None:
        """Delete every object of ``kind`` and wait until their controllers have let them go."""
        names = self.store.names(kind)
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
        """Kill everything every controller runs, now (second Ctrl+C): SIGKILL to every process
        group, every session container removed."""
        loop = asyncio.get_running_loop()
        for kind, controller in self.controllers.items():
            task = loop.create_task(controller.kill_now(), name=f"kill-{kind}")
            self._background.add(task)
            task.add_done_callback(self._background.discard)
