"""Endpoints: the ports a resource serves, and references to them from other resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pyspire.model.annotations import Annotation

if TYPE_CHECKING:
    from pyspire.model.resources import Resource
    from pyspire.model.values import ValueContext

Protocol_ = Literal["tcp", "udp"]
EndpointProperty = Literal["url", "host", "port", "target_port", "scheme"]

#: Target hosts that mean "every interface".
ALL_INTERFACES = frozenset({"*", "+", "0.0.0.0"})


@dataclass(frozen=True)
class EndpointAnnotation(Annotation):
    """A port a resource serves.

    ``port`` is where clients connect (the proxy's port when proxied); ``target_port`` is where the
    process itself listens. Either may be ``None`` and is then allocated at run time. ``env`` names
    a variable that receives the target port so the process knows where to listen.
    """

    name: str
    scheme: str = "tcp"
    protocol: Protocol_ = "tcp"
    port: int | None = None
    target_port: int | None = None
    env: str | None = None
    proxied: bool = True
    target_host: str = "localhost"

    @property
    def bind_host(self) -> str:
        """The address the process binds: ``0.0.0.0`` for ``*``/``+``, else the target host."""
        return "0.0.0.0" if self.target_host in ALL_INTERFACES else self.target_host


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
            from pyspire.model.errors import ResolutionError

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

    async def resolve(self, ctx: ValueContext) -> str:
        return (await ctx.endpoint(self)).url

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

    async def resolve(self, ctx: ValueContext) -> str:
        return (await ctx.endpoint(self.endpoint)).part(self.prop)
