"""Health supervision: a resource's health monitor runs exactly while its snapshot says Running.

It reacts to published snapshots (one subscription to the hub) instead of being a side effect of
publishing: whoever makes a resource Running — a runner, a recovery, a handler — need not know
that health checks exist. Each new set of reports is kept here and the resource is published
again, so its snapshot's health follows. Any resource is supervised, not only processes and
containers: one its own handler runs (a database, a cloud resource) has no replicas to probe,
but its custom checks run the same way, and its health is theirs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from pyspire.executor.health import HealthMonitor
from pyspire.executor.snapshots import HealthReport, SnapshotHub, SnapshotSubscription
from pyspire.states import ResourceState

#: Makes the monitor of one resource; it hands each new set of reports to the callback.
MonitorFactory = Callable[[str, Callable[[tuple[HealthReport, ...]], None]], HealthMonitor]
Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]


class HealthSupervisor:
    def __init__(
        self,
        supervised: set[str],
        make_monitor: MonitorFactory,
        republish: Callable[[str], None],
        spawn: Spawn,
        shutting_down: Callable[[], bool],
    ) -> None:
        #: The resources with checks the app host runs (see ``monitored_checks``).
        self._supervised = supervised
        self._make_monitor = make_monitor
        self._republish = republish
        self._spawn = spawn
        self._shutting_down = shutting_down
        self._monitors: dict[str, asyncio.Task[None]] = {}
        self._reports: dict[str, tuple[HealthReport, ...]] = {}

    def supervises(self, name: str) -> bool:
        return name in self._supervised

    def reports(self, name: str) -> tuple[HealthReport, ...]:
        return self._reports.get(name, ())

    def follow(self, snapshots: SnapshotHub) -> Coroutine[Any, Any, None] | None:
        """Subscribe now (nothing published from here on is missed); the coroutine reacts.
        None when no resource has checks: then nothing needs to follow the snapshots."""
        return self._follow(snapshots.subscribe()) if self._supervised else None

    async def _follow(self, subscription: SnapshotSubscription) -> None:
        try:
            for snapshot in subscription.current:
                self._on_state(snapshot.name, snapshot.state)
            async for snapshot in subscription:
                self._on_state(snapshot.name, snapshot.state)
        finally:
            await subscription.aclose()

    def _on_state(self, name: str, state: str) -> None:
        if name not in self._supervised:
            return
        task = self._monitors.get(name)
        if state == ResourceState.RUNNING:
            if task is None and not self._shutting_down():
                monitor = self._make_monitor(name, lambda reports: self._on_reports(name, reports))
                self._monitors[name] = self._spawn(monitor.run(), f"health-{name}")
        elif task is not None:
            task.cancel()
            del self._monitors[name]
            self._reports.pop(name, None)

    def _on_reports(self, name: str, reports: tuple[HealthReport, ...]) -> None:
        if name in self._monitors:
            self._reports[name] = reports
            self._republish(name)
