"""Dispatching lifecycle events to the subscriptions recorded in the model.

Before-start events are awaited where they happen (the app's start, a runner's launch after its
waits). Ready and stopped are derived from the published snapshots — one subscription to the
hub — so nothing that changes a resource's state needs to know about events: ready when a
resource is first Running and Healthy since it last was not Running (a health flap does not
repeat it), stopped when it enters an ended state. Those callbacks run one after another in the
order their snapshots were published, so one resource's events arrive in order.

What a subscriber raises is the user's (or an integration's) error: it is logged with their
traceback in the log of the resource it concerns, and never ends the app host; from a
before-start subscriber it is raised on, so that resource fails to start.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from typing import Any

from pyspire.executor.snapshots import ResourceSnapshot, SnapshotHub, SnapshotSubscription
from pyspire.executor.user_code import USER_ERRORS, describe, user_traceback
from pyspire.model.builder import AppModel
from pyspire.model.events import (
    BeforeAppStart,
    BeforeResourceStart,
    EventSubscription,
    LifecycleEvent,
    ResourceReady,
    ResourceStopped,
)
from pyspire.model.resources import Resource
from pyspire.orchestrator.logs import LogStore
from pyspire.states import TERMINAL_STATES, HealthStatus, ResourceState

log = logging.getLogger("pyspire")


class EventDispatcher:
    def __init__(self, model: AppModel, logs: LogStore) -> None:
        self._subscriptions: Sequence[EventSubscription[Any]] = model.subscriptions
        self._resources = {r.name: r for r in model.resources}
        self._logs = logs
        #: Resources that were Running and Healthy since they last were not Running.
        self._ready: set[str] = set()
        self._last_state: dict[str, str] = {}

    async def _call(self, event: LifecycleEvent) -> None:
        """Run every matching subscriber in order; raises what one raised."""
        for subscription in self._subscriptions:
            if subscription.matches(event):
                result = subscription.callback(event)
                if inspect.isawaitable(result):
                    await result

    async def before_app_start(self) -> None:
        try:
            await self._call(BeforeAppStart(tuple(self._resources.values())))
        except USER_ERRORS as exc:
            log.error(
                "a BeforeAppStart subscriber raised %s\n%s", describe(exc), "\n".join(user_traceback(exc))
            )

    async def before_resource_start(self, resource: Resource) -> None:
        """Raises what a subscriber raised (the caller fails the resource's start with it)."""
        if self._subscriptions:
            await self._call(BeforeResourceStart(resource))

    def follow(self, snapshots: SnapshotHub) -> SnapshotSubscription | None:
        """Subscribe now, when anyone listens for ready or stopped; pass the subscription to
        :meth:`dispatch`."""
        if not any(s.event_type in (ResourceReady, ResourceStopped) for s in self._subscriptions):
            return None
        return snapshots.subscribe()

    async def dispatch(self, subscription: SnapshotSubscription) -> None:
        try:
            for snapshot in subscription.current:
                await self._on_snapshot(snapshot)
            async for snapshot in subscription:
                await self._on_snapshot(snapshot)
        finally:
            await subscription.aclose()

    async def _on_snapshot(self, snapshot: ResourceSnapshot) -> None:
        resource = self._resources.get(snapshot.name)
        if resource is None:
            return
        name, state = snapshot.name, snapshot.state
        previous = self._last_state.get(name)
        self._last_state[name] = state
        if state != ResourceState.RUNNING:
            self._ready.discard(name)
        elif snapshot.health_status == HealthStatus.HEALTHY and name not in self._ready:
            self._ready.add(name)
            await self._notify(ResourceReady(resource), name)
        if state in TERMINAL_STATES and state != previous and previous is not None:
            await self._notify(ResourceStopped(resource, state, snapshot.exit_code), name)

    async def _notify(self, event: ResourceReady | ResourceStopped, name: str) -> None:
        try:
            await self._call(event)
        except USER_ERRORS as exc:
            what = f"a {type(event).__name__} subscriber raised {describe(exc)}"
            self._logs.append(name, name, "system", [what, *user_traceback(exc)])
