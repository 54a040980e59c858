"""The endpoint annotation: a port a resource serves (a leaf, so ``Resource`` can list them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pyspire.model.annotation import Annotation

Protocol_ = Literal["tcp", "udp"]

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
