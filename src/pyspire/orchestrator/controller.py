"""The reconcile loop every controller shares.

Level-based, as in controller-runtime: a watch event only says *which* object to look at; the
controller then reads the object and the world and acts. Reconciles of one object never overlap
(a change that arrives meanwhile marks it dirty and it runs again); different objects reconcile
concurrently. Every task belongs to the controller's task group, so cancelling the controller
cancels all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from pyspire.orchestrator.store import ObjectStore, WatchEvent

log = logging.getLogger(__name__)


class Controller:
    #: The kinds whose events trigger reconciles; the first is the kind this controller owns.
    kinds: tuple[str, ...] = ()

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._active: set[str] = set()
        self._dirty: set[str] = set()
        self._tg: asyncio.TaskGroup | None = None

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        """Which owned objects an event concerns (by default: the object itself)."""
        return (event.name,) if event.kind == self.kinds[0] else ()

    async def reconcile(self, name: str) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        """Watch and reconcile until cancelled."""
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                for kind in self.kinds:
                    tg.create_task(self._watch(kind), name=f"{type(self).__name__}-watch-{kind}")
        finally:
            self._tg = None
            await asyncio.shield(self.shutdown())

    async def shutdown(self) -> None:
        """Release what the controller holds when it is cancelled (shielded from cancellation)."""

    def spawn_task(self, coro: object, name: str) -> asyncio.Task[None]:
        """Start a task owned by this controller."""
        assert self._tg is not None, "controller is not running"
        return self._tg.create_task(coro, name=name)  # type: ignore[arg-type]

    async def _watch(self, kind: str) -> None:
        async for event in self.store.watch(kind):
            for key in self.keys_for(event):
                self.enqueue(key)

    def enqueue(self, name: str) -> None:
        if name in self._active:
            self._dirty.add(name)
            return
        self._active.add(name)
        self.spawn_task(self._worker(name), name=f"{type(self).__name__}-{name}")

    async def _worker(self, name: str) -> None:
        try:
            while True:
                self._dirty.discard(name)
                try:
                    await self.reconcile(name)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a bug in one reconcile must not take the controller down
                    log.exception("%s: reconcile of %s failed", type(self).__name__, name)
                if name not in self._dirty:
                    break
        finally:
            self._active.discard(name)
