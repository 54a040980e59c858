"""Annotations: the frozen facts builder methods record on a resource.

A resource is a name plus a list of annotations. Builder methods append annotations and never do
I/O; the executor reads them when it renders the model into orchestrator objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyspire.model.annotation import Annotation as Annotation  # re-exported: the marker lives in a leaf
from pyspire.model.execution import RUN, ExecutionContext
from pyspire.model.values import ValueProvider

if TYPE_CHECKING:
    from pyspire.model.resource import Resource


@dataclass(frozen=True)
class EnvironmentAnnotation(Annotation):
    """One environment variable for the resource's processes."""

    name: str
    value: str | ValueProvider


@dataclass
class EnvironmentCallbackContext:
    """Passed to a ``with_env(callback)`` callback: set any number of variables in ``env``.

    Values may be anything ``with_env`` accepts (strings, parameters, endpoint parts, expressions).
    ``execution`` says whether the app is being run or published (``ctx.is_publish``).
    """

    resource: Resource
    env: dict[str, Any] = field(default_factory=dict)
    execution: ExecutionContext = RUN

    @property
    def is_publish(self) -> bool:
        return self.execution.is_publish


EnvironmentCallback = Callable[[EnvironmentCallbackContext], Awaitable[None] | None]


@dataclass(frozen=True)
class EnvironmentCallbackAnnotation(Annotation):
    """A callback run at start time to contribute environment variables."""

    callback: EnvironmentCallback


@dataclass(frozen=True)
class ArgsAnnotation(Annotation):
    """Command-line arguments appended in order."""

    args: tuple[str | ValueProvider, ...]


@dataclass
class ArgsCallbackContext:
    """Passed to a ``with_args(callback)`` callback: append to (or edit) ``args``."""

    resource: Resource
    args: list[Any] = field(default_factory=list)
    execution: ExecutionContext = RUN

    @property
    def is_publish(self) -> bool:
        return self.execution.is_publish


ArgsCallback = Callable[[ArgsCallbackContext], Awaitable[None] | None]


@dataclass(frozen=True)
class ArgsCallbackAnnotation(Annotation):
    """A callback run at start time to contribute arguments."""

    callback: ArgsCallback


@dataclass(frozen=True)
class ReplicasAnnotation(Annotation):
    """How many copies of the process run behind the resource's proxies."""

    count: int


@dataclass(frozen=True)
class ReferenceAnnotation(Annotation):
    """The resource uses ``target``: it receives the target's service-discovery variables or
    connection string, under ``connection_name`` when given (else the target's name).
    ``endpoint_name`` limits the variables to one endpoint (``with_reference(api.get_endpoint(...))``)."""

    target: Resource
    connection_name: str | None = None
    endpoint_name: str | None = None

    @property
    def env_name(self) -> str:
        return self.connection_name or self.target.name


@dataclass(frozen=True)
class WorkingDirectoryAnnotation(Annotation):
    """Where the resource's processes start (relative paths are relative to the app host)."""

    path: Path


@dataclass(frozen=True)
class StopGracePeriodAnnotation(Annotation):
    """Seconds between SIGTERM to the process group and SIGKILL when the resource stops."""

    seconds: float


@dataclass(frozen=True)
class StopSignalAnnotation(Annotation):
    """The signal that asks the resource to stop (default SIGTERM), sent before the grace period:
    ``SIGINT`` is PostgreSQL's fast shutdown, ``SIGQUIT`` nginx's graceful one."""

    signal: str


@dataclass(frozen=True)
class EnvFileAnnotation(Annotation):
    """Variables read from a dotenv file when the resource starts (``with_env_file``); what
    ``with_env`` sets wins over them. ``secret``: every value in it is masked like a secret
    parameter's (a file of credentials)."""

    path: Path
    secret: bool = False


@dataclass(frozen=True)
class LogBufferAnnotation(Annotation):
    """How many output lines the app host keeps for the resource (its ring buffer)."""

    lines: int


@dataclass(frozen=True)
class RejectedCallAnnotation(Annotation):
    """A builder call whose arguments could not be recorded (``with_replicas("3")``).

    The builder records this instead of raising, so ``build()`` reports it with every other
    problem of the model, at the user's line, and nothing half-recorded reaches the executor."""

    field: str
    message: str
    #: The call was the one that creates the resource (``add_executable``): nothing else about
    #: the resource is worth reporting until it is fixed.
    defines_resource: bool = False


@dataclass(frozen=True)
class ConnectionStringAnnotation(Annotation):
    """The connection string a referencing resource receives as ``ConnectionStrings__{name}``
    (``with_connection_string(expr("redis://", ep.host, ":", ep.port))``)."""

    value: ValueProvider
