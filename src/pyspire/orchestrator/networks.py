"""The ContainerNetwork and ContainerVolume controllers.

A network is created when its object appears and reports its gateway addresses (the host side of
the bridge, where host services are reachable from containers). A session network is removed when
its object is deleted — after the containers, which the orchestrator deletes first — and a
persistent one is kept for the persistent containers on it. Named volumes are created on demand
and never removed: their data is the point of having them.
"""

from __future__ import annotations

import logging

from pyspire.orchestrator.controller import Controller
from pyspire.orchestrator.engine import EngineProvider
from pyspire.orchestrator.objects import CONTAINER_NETWORK, CONTAINER_VOLUME, FINALIZER
from pyspire.orchestrator.store import ObjectStore
from pyspire.runtime.containers import ContainerEngineError, NoContainerEngine

log = logging.getLogger(__name__)


class ContainerNetworkController(Controller):
    kinds = (CONTAINER_NETWORK,)

    def __init__(self, store: ObjectStore, engines: EngineProvider) -> None:
        super().__init__(store)
        self.engines = engines
        self._created: set[str] = set()

    async def reconcile(self, name: str) -> None:
        obj = self.store.find(CONTAINER_NETWORK, name)
        if obj is None:
            return
        spec = obj["spec"]
        if obj["metadata"].get("deletionTimestamp"):
            if name in self._created and not spec.get("persistent"):
                try:
                    runtime = await self.engines.get()
                    await runtime.network_remove(spec["networkName"])
                except (ContainerEngineError, NoContainerEngine) as exc:
                    log.warning("could not remove network %s: %s", spec["networkName"], exc)
            self._created.discard(name)
            self.store.remove_finalizer(CONTAINER_NETWORK, name, FINALIZER)
            return
        if obj["status"].get("state"):
            return
        try:
            runtime = await self.engines.get()
            info = await runtime.network_ensure(spec["networkName"], spec.get("labels", {}))
        except (ContainerEngineError, NoContainerEngine) as exc:
            self.store.patch_status(CONTAINER_NETWORK, name, {"state": "Failed", "message": str(exc)})
            return
        self._created.add(name)
        self.store.patch_status(
            CONTAINER_NETWORK,
            name,
            {"state": "Ready", "gateways": list(info.gateways), "engine": runtime.name, "message": None},
        )


class ContainerVolumeController(Controller):
    kinds = (CONTAINER_VOLUME,)

    def __init__(self, store: ObjectStore, engines: EngineProvider) -> None:
        super().__init__(store)
        self.engines = engines

    async def reconcile(self, name: str) -> None:
        obj = self.store.find(CONTAINER_VOLUME, name)
        if obj is None or obj["metadata"].get("deletionTimestamp") or obj["status"].get("state"):
            return
        spec = obj["spec"]
        try:
            runtime = await self.engines.get()
            await runtime.volume_ensure(spec["volumeName"], spec.get("labels", {}))
        except (ContainerEngineError, NoContainerEngine) as exc:
            self.store.patch_status(CONTAINER_VOLUME, name, {"state": "Failed", "message": str(exc)})
            return
        self.store.patch_status(CONTAINER_VOLUME, name, {"state": "Ready", "message": None})
