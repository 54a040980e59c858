"""Where each endpoint can be reached, as the executor learns it from Services.

Target ports are allocated up front for every replica (so a replica's own ``PORT`` and a peer's
``target_port`` are known at once); proxy ports become known when the Service controller binds
them. Consumers await :meth:`EndpointAddresses.port` and are told, through ``on_wait``, what they
are waiting for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pyspire.model.endpoints import EndpointAnnotation
from pyspire.model.resources import Resource


class EndpointFailed(RuntimeError):
    """The endpoint's Service failed (its fixed port is taken, say); the message says why."""


@dataclass
class EndpointAllocation:
    resource: Resource
    endpoint: EndpointAnnotation
    service_name: str
    target_ports: list[int]
    port: asyncio.Future[int] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    #: Resolves when the Service is serving (its proxy bound), or fails with EndpointFailed.
    bound: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def single_target_port(self) -> int | None:
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
