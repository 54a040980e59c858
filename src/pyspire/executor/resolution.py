"""Resolving value providers for one consumer: the executor's side of ``ValueContext``.

Anything not available yet (a proxy port, a missing parameter) is awaited, and the consumer's log
and state message say what it waits for, so a stuck resource explains itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.outputs import Outputs
from pyspire.model.endpoints import AllocatedEndpoint, EndpointReference
from pyspire.model.outputs import OutputReference
from pyspire.model.resources import ConfiguredValueResource, Resource
from pyspire.model.values import ValueProvider, resolve_value

T = TypeVar("T")

WaitReporter = Callable[[str], None]


class ConfiguredValues:
    """Parameter and connection-string values: one future per resource, set once known."""

    def __init__(self) -> None:
        self._values: dict[str, asyncio.Future[str]] = {}
        self.how_to_supply: dict[str, str] = {}
        #: The resources' run-time outputs (kept here so every resolution context reaches them).
        self.outputs = Outputs()

    def future(self, name: str) -> asyncio.Future[str]:
        found = self._values.get(name)
        if found is None:
            found = self._values[name] = asyncio.get_running_loop().create_future()
        return found

    def set(self, name: str, value: str) -> None:
        future = self.future(name)
        if future.done():
            self._values[name] = future = asyncio.get_running_loop().create_future()
        future.set_result(value)

    def known(self, name: str) -> str | None:
        future = self._values.get(name)
        return future.result() if future is not None and future.done() else None


class ResolutionContext:
    """Implements :class:`pyspire.model.values.ValueContext` for one consumer.

    Where an endpoint is depends on who asks: a host process reaches everything at
    ``localhost:<proxy port>``; a container (``host_alias`` given: the engine's name for the host)
    reaches another container at ``<resource name>:<target port>`` on the shared network and a
    host service at ``<host_alias>:<proxy port>``. ``replica`` selects whose own target ports
    are used when the consumer references itself. Secret values resolved through this context
    are collected in ``secrets``.
    """

    def __init__(
        self,
        consumer: Resource,
        addresses: EndpointAddresses,
        values: ConfiguredValues,
        on_wait: WaitReporter,
        replica: int = 0,
        host_alias: str | None = None,
    ) -> None:
        self._consumer = consumer
        self._host_alias = host_alias
        self._addresses = addresses
        self._values = values
        self._on_wait = on_wait
        self._replica = replica
        self.secrets: set[str] = set()

    @property
    def consumer(self) -> Resource:
        return self._consumer

    async def _await(self, future: asyncio.Future[T] | Awaitable[T], what: str) -> T:
        if isinstance(future, asyncio.Future) and future.done():
            return future.result()
        self._on_wait(what)
        return await future

    async def endpoint(self, ref: EndpointReference) -> AllocatedEndpoint:
        allocation = self._addresses.get(ref.resource.name, ref.endpoint_name)
        if self._host_alias is not None and allocation.container_port is not None:
            port_inside = allocation.container_port
            return AllocatedEndpoint(allocation.endpoint.scheme, ref.resource.name, port_inside, port_inside)
        port = await self._await(
            asyncio.shield(allocation.port) if not allocation.port.done() else allocation.port,
            f"waiting for {ref.describe()} to get its port",
        )
        if ref.resource is self._consumer:
            target: int | None = allocation.target_ports[self._replica]
        else:
            target = allocation.single_target_port
        host = self._host_alias if self._host_alias is not None else "localhost"
        return AllocatedEndpoint(allocation.endpoint.scheme, host, port, target)

    async def configured_value(self, resource: Resource) -> str:
        assert isinstance(resource, ConfiguredValueResource)
        future = self._values.future(resource.name)
        value = await self._await(
            asyncio.shield(future) if not future.done() else future,
            f"waiting for {resource.describe()}: {self._values.how_to_supply.get(resource.name, 'supply a value')}",
        )
        if resource.is_secret:
            self.secrets.add(value)
        return value

    async def output(self, ref: OutputReference) -> str:
        future = self._values.outputs.future(ref.resource.name, ref.name)
        value = await self._await(
            asyncio.shield(future) if not future.done() else future, f"waiting for {ref.describe()}"
        )
        if ref.is_secret:
            self.secrets.add(value)
        return value

    async def resolve(self, value: str | ValueProvider) -> str:
        resolved = await resolve_value(value, self)
        if not isinstance(value, str) and value.is_secret:
            self.secrets.add(resolved)
        return resolved
