"""The address an integration's server is told to bind: loopback here, every interface published.

Run mode puts a proxy in front of every replica on this machine, so a server listens on
``127.0.0.1`` and nothing else can reach it. Published, the same server runs in a container that
other containers (and the port mapping) reach through its network interface, so it must listen on
``0.0.0.0``. A value provider says both: it resolves to the first and renders to the second, so
``--host`` / ``--bind`` arguments stay where the integration put them in either mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.extensions import RenderContext, ValueContext

RUN_HOST = "127.0.0.1"
PUBLISHED_HOST = "0.0.0.0"


@dataclass(frozen=True)
class ListenHost:
    """``127.0.0.1`` when run, ``0.0.0.0`` in a published manifest."""

    @property
    def is_secret(self) -> bool:
        return False

    def describe(self) -> str:
        return "the address the server listens on"

    async def resolve(self, ctx: ValueContext) -> str:
        return RUN_HOST

    def render(self, ctx: RenderContext) -> str:
        return ctx.literal(PUBLISHED_HOST)


LISTEN_HOST = ListenHost()
