"""Resource snapshots: the immutable, versioned view of every resource that all readers share.

The executor publishes a new snapshot for every change (state, replicas, URLs, env); the console,
the testing harness and, later, the control API and dashboard only ever read snapshots. Secret
environment values are already masked in a snapshot, so no reader can leak them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyspire.orchestrator.broadcast import Broadcast, Subscription
from pyspire.orchestrator.overflow import LatestPerKey
from pyspire.orchestrator.redaction import MASK, Redactor
from pyspire.states import TERMINAL_STATES, HealthStatus, ResourceState

__all__ = [
    "MASK",
    "TERMINAL_STATES",
    "CommandArgumentSnapshot",
    "CommandSnapshot",
    "EnvVar",
    "HealthReport",
    "Relationship",
    "ReplicaSnapshot",
    "ResourceSnapshot",
    "SnapshotHub",
    "SnapshotSubscription",
    "Url",
    "masked_snapshot",
]

@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str
    is_secret: bool = False


@dataclass(frozen=True)
class Url:
    endpoint: str
    url: str


@dataclass(frozen=True)
class ReplicaSnapshot:
    """One replica (an Executable, or the Container) of a resource."""

    name: str
    suffix: str
    state: ResourceState
    pid: int | None = None
    exit_code: int | None = None
    started_at: str | None = None
    stopped_at: str | None = None
    message: str | None = None
    container_id: str | None = None


@dataclass(frozen=True)
class Relationship:
    """``type`` is e.g. ``Reference``; ``resource`` the other resource's name."""

    resource: str
    type: str


@dataclass(frozen=True)
class HealthReport:
    """The latest result of one health check."""

    name: str
    status: HealthStatus
    description: str | None = None
    last_error: str | None = None
    checked_at: str | None = None


@dataclass(frozen=True)
class CommandArgumentSnapshot:
    """An argument a command declares, as callers see it: what to ask for and whether it is
    required. A secret argument's ``default`` is always ``None`` here (the app host still fills
    it in): a snapshot is served to everyone who may read the API."""

    name: str
    label: str
    description: str | None = None
    required: bool = False
    secret: bool = False
    default: str | None = None


@dataclass(frozen=True)
class CommandSnapshot:
    """A command and whether it can run now: ``state`` is enabled, disabled or hidden.
    ``arguments`` lists what it takes (none declared: it accepts any)."""

    name: str
    display_name: str
    state: str
    description: str | None = None
    confirmation_message: str | None = None
    icon: str | None = None
    arguments: tuple[CommandArgumentSnapshot, ...] = ()


@dataclass(frozen=True)
class ResourceSnapshot:
    """Everything known about one resource at one moment.

    ``state`` is a :class:`~pyspire.states.ResourceState` (a ``str``: it serialises as its name,
    "Running"). ``state_message`` says why (what it waits for, why it failed).
    ``version`` increases with every publication across all resources.
    """

    name: str
    resource_type: str
    state: ResourceState = ResourceState.NOT_STARTED
    state_message: str | None = None
    version: int = 0
    exit_code: int | None = None
    replicas: tuple[ReplicaSnapshot, ...] = ()
    urls: tuple[Url, ...] = ()
    env: tuple[EnvVar, ...] = ()
    started_at: str | None = None
    stopped_at: str | None = None
    relationships: tuple[Relationship, ...] = ()
    properties: tuple[tuple[str, str], ...] = field(default=())
    #: Healthy / Unhealthy while Running (Running with no checks is Healthy); None otherwise.
    health_status: HealthStatus | None = None
    health_reports: tuple[HealthReport, ...] = ()
    commands: tuple[CommandSnapshot, ...] = ()
    restart_count: int = 0
    #: Internal to the app (``.hidden()``): the API lists it, the console and ``describe`` do not.
    hidden: bool = False

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def env_dict(self) -> dict[str, str]:
        return {e.name: e.value for e in self.env}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def masked_snapshot(snapshot: ResourceSnapshot, redactor: Redactor) -> ResourceSnapshot:
    """``snapshot`` with secrets masked in every field that carries values or free text: env
    values, the state message, replica messages, health check results, properties. A health
    check's error or a failure message can quote a password the resource was given."""
    if not redactor.has_secrets or not redactor.touches(_texts(snapshot)):
        return snapshot
    mask = redactor.mask
    return dataclasses.replace(
        snapshot,
        state_message=mask(snapshot.state_message) if snapshot.state_message else None,
        env=tuple(dataclasses.replace(e, value=redactor.mask_value(e.value)) for e in snapshot.env),
        replicas=tuple(
            dataclasses.replace(r, message=mask(r.message)) if r.message else r for r in snapshot.replicas
        ),
        health_reports=tuple(
            dataclasses.replace(
                h,
                description=mask(h.description) if h.description else None,
                last_error=mask(h.last_error) if h.last_error else None,
            )
            for h in snapshot.health_reports
        ),
        properties=tuple((key, redactor.mask_value(value)) for key, value in snapshot.properties),
    )


def _texts(snapshot: ResourceSnapshot) -> Iterator[str]:
    """The fields :func:`masked_snapshot` masks."""
    if snapshot.state_message:
        yield snapshot.state_message
    for env in snapshot.env:
        yield env.value
    for replica in snapshot.replicas:
        if replica.message:
            yield replica.message
    for report in snapshot.health_reports:
        if report.description:
            yield report.description
        if report.last_error:
            yield report.last_error
    for _, value in snapshot.properties:
        yield value


#: Snapshots a subscriber may have waiting, in order, before it gets only each resource's newest.
SUBSCRIBER_BUFFER = 256


class SnapshotHub:
    """Holds the latest snapshot of each resource and streams every new one to watchers.

    Every snapshot is masked with ``redactor`` as it is published, so no reader — console, API,
    CLI, dashboard, tests — can see a secret. A watcher that falls behind (an SSE client that
    stopped reading while a resource flaps) is given, per resource, only the newest snapshot it
    has not seen: what it holds is bounded by the number of resources, however long it sleeps."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        self._current: dict[str, ResourceSnapshot] = {}
        self._version = 0
        self._changes: Broadcast[ResourceSnapshot] = Broadcast(LatestPerKey(_name, SUBSCRIBER_BUFFER))
        self._redactor = redactor or Redactor()

    def publish(self, name: str, **changes: Any) -> ResourceSnapshot:
        """Publish ``name``'s snapshot with ``changes`` applied; a no-op change publishes nothing."""
        return self.publish_snapshot(dataclasses.replace(self._current[name], **changes))

    def publish_snapshot(self, snapshot: ResourceSnapshot) -> ResourceSnapshot:
        """Publish ``snapshot`` whole (its version is assigned here); a no-op change publishes nothing."""
        current = self._current[snapshot.name]
        snapshot = masked_snapshot(snapshot, self._redactor)
        if dataclasses.replace(snapshot, version=current.version) == current:
            return current
        self._version += 1
        published = dataclasses.replace(snapshot, version=self._version)
        self._current[snapshot.name] = published
        self._changes.publish(published)
        return published

    def add(self, snapshot: ResourceSnapshot) -> None:
        self._version += 1
        masked = masked_snapshot(snapshot, self._redactor)
        self._current[snapshot.name] = dataclasses.replace(masked, version=self._version)

    def get(self, name: str) -> ResourceSnapshot:
        try:
            return self._current[name]
        except KeyError:
            raise KeyError(f"no resource named {name!r}") from None

    def all(self) -> list[ResourceSnapshot]:
        return list(self._current.values())

    @property
    def watchers(self) -> int:
        """How many subscriptions are open."""
        return len(self._changes)

    def subscribe(self, resource: str | None = None) -> SnapshotSubscription:
        """Register now for every later snapshot (of ``resource``, or of all); ``current`` holds
        the ones published before."""
        return SnapshotSubscription(self, resource)

    async def watch(self, include_current: bool = True) -> AsyncIterator[ResourceSnapshot]:
        """Yield every published snapshot (first the current ones, when asked)."""
        async with self.subscribe() as subscription:
            if include_current:
                for snapshot in subscription.current:
                    yield snapshot
            async for snapshot in subscription:
                yield snapshot


class SnapshotSubscription(Subscription[ResourceSnapshot]):
    """A registration with a :class:`SnapshotHub`, made synchronously so that a reader can send
    ``current`` and then the changes with nothing lost or repeated between them."""

    def __init__(self, hub: SnapshotHub, resource: str | None = None) -> None:
        super().__init__(hub._changes, None if resource is None else (lambda s: s.name == resource))
        self.current = hub.all() if resource is None else [s for s in hub.all() if s.name == resource]

    async def __aenter__(self) -> SnapshotSubscription:
        return self


def _name(snapshot: ResourceSnapshot) -> str:
    return snapshot.name
