"""Where each endpoint can be reached, as the executor learns it from Services.

Target ports are allocated up front for every replica (so a replica's own ``PORT`` and a peer's
``target_port`` are known at once); proxy ports become known when the Service controller binds
them. Consumers await :meth:`EndpointAddresses.port` and are told, through ``on_wait``, what they
are waiting for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pyspire.errors import TemporaryError
from pyspire.model.endpoints import EndpointAnnotation
from pyspire.model.resources import Resource


class EndpointFailed(TemporaryError, RuntimeError):
    """The endpoint's Service failed (its fixed port is taken, say); the message says why.
    Temporary: once the port's holder lets go, starting the resource again works."""


@dataclass
class EndpointAllocation:
    resource: Resource
    endpoint: EndpointAnnotation
    service_name: str
    #: Where the proxy (or a proxyless client) connects on the host: each process replica's own
    #: port, or the host port a container's port is published on.
    target_ports: list[int]
    port: asyncio.Future[int] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    #: Resolves when the Service is serving (its proxy bound), or fails with EndpointFailed.
    bound: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    #: For a container: the port the server listens on inside it (the endpoint's target_port).
    container_port: int | None = None

    def listen_port(self, replica: int) -> int:
        """The port the replica's server must listen on (inside the container for a container)."""
        return self.container_port if self.container_port is not None else self.target_ports[replica]

    @property
    def single_target_port(self) -> int | None:
        if self.container_port is not None:
            return self.container_port
        return self.target_ports[0] if len(self.target_ports) == 1 else None


class EndpointAddresses:
    def __init__(self) -> None:
        self._by_endpoint: dict[tuple[str, str], EndpointAllocation] = {}
        self._by_service: dict[str, EndpointAllocation] = {}

    def add(self, allocation: EndpointAllocation) -> None:
        self._by_endpoint[(allocation.resource.name, allocation.endpoint.name)] = allocation
        self._by_service[allocation.service_name] = allocation

    def get(self, resource: str, endpoint: str) -> EndpointAllocation:
        return self._by_endpoint[(resource, endpoint)]

    def for_resource(self, resource: str) -> list[EndpointAllocation]:
        return [a for (r, _), a in self._by_endpoint.items() if r == resource]

    def all(self) -> list[EndpointAllocation]:
        return list(self._by_endpoint.values())

    def service_ready(self, service: str, port: int) -> None:
        allocation = self._by_service.get(service)
        if allocation is not None and not allocation.port.done():
            allocation.port.set_result(port)

    def mark_bound(self, service: str) -> None:
        allocation = self._by_service.get(service)
        if allocation is not None and not allocation.bound.done():
            allocation.bound.set_result(None)

    def service_failed(self, service: str, message: str) -> None:
        allocation = self._by_service.get(service)
        if allocation is None:
            return
        for future in (allocation.port, allocation.bound):
            if not future.done():
                future.set_exception(EndpointFailed(f"endpoint '{allocation.endpoint.name}': {message}"))
                future.exception()  # mark retrieved: not every failure has a waiter
