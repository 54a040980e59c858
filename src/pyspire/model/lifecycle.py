"""Annotations for a resource's lifecycle: waits, health checks, commands, restart policy.

Pure data like every annotation; the executor's runner, health and command modules act on them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pyspire.model.annotations import Annotation
from pyspire.model.command_arguments import CommandArgument

if TYPE_CHECKING:
    from pyspire.model.resource import Resource
    from pyspire.model.values import ValueProvider

WaitKind = Literal["healthy", "start", "completion"]
WaitBehavior = Literal["stop_on_unavailable", "wait_on_unavailable"]
RestartPolicy = Literal["never", "on_failure", "always"]


@dataclass(frozen=True)
class WaitAnnotation(Annotation):
    """Do not start until ``target`` is healthy (``healthy``), running (``start``) or has finished
    with ``exit_code`` (``completion``)."""

    target: Resource
    kind: WaitKind = "healthy"
    behavior: WaitBehavior = "stop_on_unavailable"
    exit_code: int = 0


@dataclass(frozen=True)
class ExplicitStartAnnotation(Annotation):
    """The resource stays NotStarted until someone runs its ``start`` command."""


class HealthCheckContext(Protocol):
    """What a custom health check that takes one argument receives (``async def check(ctx)``):
    an integration's check needs the live address and credentials of what it probes."""

    @property
    def resource(self) -> Resource:
        """The resource being checked."""
        ...

    async def resolve(self, value: str | ValueProvider) -> str:
        """``value`` resolved as a process on this host sees it (loopback, the proxy's port);
        secrets it contains are masked wherever the check's result is shown."""
        ...

    def log(self, text: str) -> None:
        """One line in the resource's log (a check that repaired something says what it did)."""
        ...

    def set_output(self, name: str, value: str, *, secret: bool = False) -> None:
        """Publish the run-time output ``name`` of the resource (what ``builder.output(name)``
        consumers wait for), as a handler's ``ctx.set_output`` does: a check that finds the
        resource's run-time value (the kubeconfig a cluster container wrote) hands it on."""
        ...


#: A custom health check: ``async def check()`` or ``async def check(ctx: HealthCheckContext)``.
HealthCheck = Callable[[], Awaitable[Any]] | Callable[[HealthCheckContext], Awaitable[Any]]


@dataclass(frozen=True)
class HealthCheckAnnotation(Annotation):
    """One health check. ``kind`` is ``http`` (GET ``path`` expecting ``status_code``), ``tcp`` (a
    connection opens), ``log`` (a line matching ``pattern`` appeared), ``exec`` (``command`` run
    inside the container exits 0) or ``custom`` (``check``)."""

    name: str
    kind: Literal["http", "tcp", "log", "exec", "custom"]
    endpoint_name: str | None = None
    path: str = "/"
    status_code: int = 200
    pattern: str | None = None
    check: HealthCheck | None = None
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthIntervalAnnotation(Annotation):
    """How often checks run: every ``unhealthy`` seconds until healthy (fast, so dependents start
    quickly), then every ``healthy`` seconds (rarely, so checks cost nothing measurable)."""

    healthy: float = 5.0
    unhealthy: float = 0.1


CommandState = Literal["enabled", "disabled", "hidden"]


@dataclass(frozen=True)
class CommandAnnotation(Annotation):
    """A custom command the user can run on the resource (from the CLI or dashboard).

    ``callback`` receives a :class:`pyspire.CommandContext` and returns ``None``/``True`` (success),
    a string or ``False`` (failure, the string being the message), or a ``CommandResult``.
    ``enabled_when`` receives the resource's snapshot and returns a state or a bool.
    ``arguments`` declares what ``context.arguments`` may hold (none declared: anything)."""

    name: str
    display_name: str
    callback: Callable[[Any], Awaitable[Any] | Any]
    description: str | None = None
    confirmation_message: str | None = None
    enabled_when: Callable[[Any], CommandState | bool] | None = None
    icon: str | None = None
    arguments: tuple[CommandArgument, ...] = ()


@dataclass(frozen=True)
class RestartPolicyAnnotation(Annotation):
    """Restart a replica that exits by itself: never, only on failure (non-zero exit), or always;
    waiting ``initial_backoff`` seconds, doubling up to ``max_backoff``; at most ``max_restarts``
    times in a row (``None``: no limit). A replica that ran ``reset_after`` seconds resets the count."""

    policy: RestartPolicy = "never"
    initial_backoff: float = 1.0
    max_backoff: float = 30.0
    max_restarts: int | None = None
    reset_after: float = 60.0
