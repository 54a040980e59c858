"""The Service controller: one proxy per proxied Service, fed by the Service's Endpoints.

A proxied Service gets a listener (its ``port``, or an allocated one) in the proxy hub; whenever
Endpoints of the Service come or go (replicas start and stop), the proxy's backend set follows.
Proxyless Services have no listener: the replica binds the port itself, so the Service only
reports it. A fixed port that is taken fails the Service (status ``Failed`` naming the holder);
the rest of the app keeps running.

A Service that containers must reach (``spec.containerNetwork``) waits for that network and then
also listens on its gateway address — what ``host.containers.internal`` resolves to inside — so
host services are reachable from containers without listening on every interface.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pyspire.orchestrator.controller import Controller
from pyspire.orchestrator.objects import CONTAINER_NETWORK, ENDPOINT, FINALIZER, LABEL_SERVICE, SERVICE
from pyspire.orchestrator.ports import PortAllocator
from pyspire.orchestrator.store import Obj, ObjectStore, WatchEvent
from pyspire.proxy import Backend, ProxyBindError, ProxyHub
from pyspire.runtime.ports import port_holder

_ALLOCATION_ATTEMPTS = 5


def network_gateways(network: Obj | None) -> list[str] | None:
    """The IPv4 gateway addresses of a ContainerNetwork object — where containers reach the host
    (the engine's host alias) — None while it is missing or pending, none once it failed."""
    if network is None:
        return None
    state = network["status"].get("state")
    if state == "Ready":
        return [str(g) for g in network["status"].get("gateways", []) if ":" not in str(g)]
    return [] if state == "Failed" else None


class ServiceController(Controller):
    kinds = (SERVICE, ENDPOINT, CONTAINER_NETWORK)

    def __init__(self, store: ObjectStore, hub: ProxyHub, ports: PortAllocator) -> None:
        super().__init__(store)
        self.hub = hub
        self.ports = ports
        self._open: dict[str, int] = {}

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.kind == SERVICE:
            return (event.name,)
        if event.kind == CONTAINER_NETWORK:
            return [
                s["metadata"]["name"]
                for s in self.store.list(SERVICE)
                if s["spec"].get("containerNetwork") == event.name and s["metadata"]["name"] not in self._open
            ]
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
            gateways = self._gateways(spec)
            if gateways is None:
                return  # the container network is not there yet; its event brings us back
            if not await self._open_proxy(name, spec, gateways):
                return
        endpoints = self.store.list(ENDPOINT, {LABEL_SERVICE: name})
        self.hub.set_backends(
            name, [Backend(e["spec"]["address"], int(e["spec"]["port"])) for e in endpoints]
        )

    def _gateways(self, spec: dict[str, object]) -> list[str] | None:
        """Extra addresses for a Service containers reach: None while its network is pending; no
        addresses when the network failed (no engine), so host processes still get their proxy."""
        network_name = spec.get("containerNetwork")
        if not network_name:
            return []
        return network_gateways(self.store.find(CONTAINER_NETWORK, str(network_name)))

    async def _open_proxy(self, name: str, spec: dict[str, object], also_on: list[str]) -> bool:
        protocol: Literal["tcp", "udp"] = "udp" if spec["protocol"] == "UDP" else "tcp"
        fixed = int(spec["port"] or 0)  # type: ignore[call-overload]
        for _ in range(1 if fixed else _ALLOCATION_ATTEMPTS):
            port = fixed or self.ports.allocate("127.0.0.1", protocol)
            try:
                bound = await self.hub.open(name, protocol, str(spec["address"]), port, also_on)
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
