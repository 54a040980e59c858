"""The Service controller: one proxy per proxied Service, fed by the Service's Endpoints.

A proxied Service gets a listener (its ``port``, or an allocated one) in the proxy hub; whenever
Endpoints of the Service come or go (replicas start and stop), the proxy's backend set follows.
Proxyless Services have no listener: the replica binds the port itself, so the Service only
reports it. A fixed port that is taken fails the Service (status ``Failed`` naming the holder);
the rest of the app keeps running.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pyspire.orchestrator.controller import Controller
from pyspire.orchestrator.objects import ENDPOINT, FINALIZER, LABEL_SERVICE, SERVICE
from pyspire.orchestrator.ports import PortAllocator
from pyspire.orchestrator.store import ObjectStore, WatchEvent
from pyspire.proxy import Backend, ProxyBindError, ProxyHub
from pyspire.runtime.ports import port_holder

_ALLOCATION_ATTEMPTS = 5


class ServiceController(Controller):
    kinds = (SERVICE, ENDPOINT)

    def __init__(self, store: ObjectStore, hub: ProxyHub, ports: PortAllocator) -> None:
        super().__init__(store)
        self.hub = hub
        self.ports = ports
        self._open: dict[str, int] = {}

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.kind == SERVICE:
            return (event.name,)
        return (str(event.object["spec"]["serviceName"]),)

    async def reconcile(self, name: str) -> None:
        service = self.store.find(SERVICE, name)
        if service is None or service["metadata"].get("deletionTimestamp"):
            await self._close(name)
            if service is not None:
                self.store.remove_finalizer(SERVICE, name, FINALIZER)
            return
        spec = service["spec"]
        if spec["addressAllocationMode"] != "Proxy":
            if service["status"].get("state") != "Ready":
                self.store.patch_status(
                    SERVICE,
                    name,
                    {"state": "Ready", "effectiveAddress": spec["address"], "effectivePort": spec["port"]},
                )
            return
        if name not in self._open:
            if service["status"].get("state") == "Failed":
                return
            if not await self._open_proxy(name, spec):
                return
        endpoints = self.store.list(ENDPOINT, {LABEL_SERVICE: name})
        self.hub.set_backends(
            name, [Backend(e["spec"]["address"], int(e["spec"]["port"])) for e in endpoints]
        )

    async def _open_proxy(self, name: str, spec: dict[str, object]) -> bool:
        protocol: Literal["tcp", "udp"] = "udp" if spec["protocol"] == "UDP" else "tcp"
        fixed = int(spec["port"] or 0)  # type: ignore[call-overload]
        for _ in range(1 if fixed else _ALLOCATION_ATTEMPTS):
            port = fixed or self.ports.allocate("127.0.0.1", protocol)
            try:
                bound = await self.hub.open(name, protocol, str(spec["address"]), port)
            except ProxyBindError as exc:
                if not fixed:
                    continue  # someone took the allocated port in between: allocate another
                holder = port_holder(fixed, protocol)
                held = f" by {holder}" if holder else ""
                self.store.patch_status(
                    SERVICE,
                    name,
                    {
                        "state": "Failed",
                        "message": f"port {fixed} ({protocol}) is already in use{held}; free it or choose "
                        f"another port ({exc.strerror or exc})",
                    },
                )
                return False
            self.ports.claim(bound)
            self._open[name] = bound
            self.store.patch_status(
                SERVICE, name, {"state": "Ready", "effectiveAddress": spec["address"], "effectivePort": bound}
            )
            return True
        self.store.patch_status(SERVICE, name, {"state": "Failed", "message": "no free port could be bound"})
        return False

    async def _close(self, name: str) -> None:
        port = self._open.pop(name, None)
        if port is not None:
            await self.hub.close_proxy(name)
            self.ports.release(port)
