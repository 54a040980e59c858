"""Run-time outputs: values a resource publishes once it is up (a kubeconfig a cluster writes,
the outputs of a cloud deployment, a generated password).

An :class:`OutputReference` is a value provider: pass it to ``with_env`` or an expression, and the
consumer waits — saying "waiting for output 'kubeconfig' of 'cluster'" in its log and state, as
for a port — until the resource's handler sets the output. Get one from the producer's builder
with ``cluster.output("kubeconfig")``. A secret output is masked everywhere, like a secret
parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from pyspire.model.resource import Resource

T_co = TypeVar("T_co", covariant=True)


class OutputResolver(Protocol):
    """What an output reference needs from a run-time value context (``ValueContext`` is one)."""

    async def output(self, ref: OutputReference) -> str: ...


class OutputRenderer(Protocol[T_co]):
    """A non-running context (publishing) that can stand for an output in a manifest."""

    def output(self, ref: OutputReference) -> T_co: ...


@dataclass(frozen=True, eq=False)
class OutputReference:
    """The output ``name`` of ``resource``; secret when ``secret``."""

    resource: Resource
    name: str
    secret: bool = False

    @property
    def is_secret(self) -> bool:
        return self.secret

    def describe(self) -> str:
        return f"output '{self.name}' of '{self.resource.name}'"

    async def resolve(self, ctx: OutputResolver) -> str:
        return await ctx.output(self)

    def render(self, ctx: OutputRenderer[T_co]) -> T_co:
        """The output's manifest form, as ``ctx`` expresses outputs."""
        return ctx.output(self)

    def __str__(self) -> str:
        return self.describe()
