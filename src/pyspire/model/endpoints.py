"""Endpoints: the ports a resource serves, and references to them from other resources.

A reference asks its context only for what it needs (:class:`EndpointResolver` when running,
:class:`EndpointRenderer` when rendering a manifest), so this module does not depend on the
value contexts of :mod:`pyspire.model.values`, which depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from pyspire.model.endpoint_annotation import ALL_INTERFACES, EndpointAnnotation, Protocol_
from pyspire.model.errors import ResolutionError

if TYPE_CHECKING:
    from pyspire.model.resource import Resource

__all__ = [
    "ALL_INTERFACES",
    "AllocatedEndpoint",
    "EndpointAnnotation",
    "EndpointPart",
    "EndpointProperty",
    "EndpointReference",
    "EndpointRenderer",
    "EndpointResolver",
    "Protocol_",
]

EndpointProperty = Literal["url", "host", "port", "target_port", "scheme"]

class EndpointResolver(Protocol):
    """What an endpoint reference needs from a run-time value context."""

    async def endpoint(self, ref: EndpointReference) -> AllocatedEndpoint:
        """The endpoint's allocated address, waiting for the allocation if it is not done yet."""
        ...


class EndpointRenderer(Protocol):
    """What an endpoint reference needs from a render context (a publisher)."""

    def endpoint_part(self, ref: EndpointReference, prop: EndpointProperty) -> str:
        """The manifest expression for one part of the endpoint (``${API_HTTP_PORT}``)."""
        ...


@dataclass(frozen=True)
class AllocatedEndpoint:
    """An endpoint's address as one consumer sees it, once ports are allocated.

    ``target_port`` is ``None`` when the endpoint has several replicas listening on different
    ports: only the proxy's ``port`` is then a single meaningful value.
    """

    scheme: str
    host: str
    port: int
    target_port: int | None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def part(self, prop: EndpointProperty) -> str:
        if prop == "url":
            return self.url
        if prop == "host":
            return self.host
        if prop == "port":
            return str(self.port)
        if prop == "scheme":
            return self.scheme
        if self.target_port is None:
            raise ResolutionError(
                "the endpoint's replicas listen on different target ports; reference its 'port' "
                "(the proxy) instead of 'target_port'"
            )
        return str(self.target_port)


@dataclass(frozen=True)
class EndpointReference:
    """A reference to endpoint ``endpoint_name`` of ``resource``; resolves to its URL.

    Its ``url``, ``host``, ``port``, ``target_port`` and ``scheme`` are value providers too, for use
    in environment variables, arguments and expressions.
    """

    resource: Resource
    endpoint_name: str

    @property
    def is_secret(self) -> bool:
        return False

    def describe(self) -> str:
        return f"endpoint {self.resource.name}/{self.endpoint_name}"

    async def resolve(self, ctx: EndpointResolver) -> str:
        return (await ctx.endpoint(self)).url

    def render(self, ctx: EndpointRenderer) -> str:
        return ctx.endpoint_part(self, "url")

    def part(self, prop: EndpointProperty) -> EndpointPart:
        """The named part as a value provider."""
        return EndpointPart(self, prop)

    @property
    def url(self) -> EndpointPart:
        return EndpointPart(self, "url")

    @property
    def host(self) -> EndpointPart:
        return EndpointPart(self, "host")

    @property
    def port(self) -> EndpointPart:
        return EndpointPart(self, "port")

    @property
    def target_port(self) -> EndpointPart:
        return EndpointPart(self, "target_port")

    @property
    def scheme(self) -> EndpointPart:
        return EndpointPart(self, "scheme")


@dataclass(frozen=True)
class EndpointPart:
    """One part (url, host, port, target_port, scheme) of an endpoint, as a value provider."""

    endpoint: EndpointReference
    prop: EndpointProperty

    @property
    def is_secret(self) -> bool:
        return False

    def describe(self) -> str:
        return f"{self.endpoint.describe()} {self.prop}"

    async def resolve(self, ctx: EndpointResolver) -> str:
        return (await ctx.endpoint(self.endpoint)).part(self.prop)

    def render(self, ctx: EndpointRenderer) -> str:
        return ctx.endpoint_part(self.endpoint, self.prop)
