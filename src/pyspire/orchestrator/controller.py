"""The reconcile loop every controller shares.

Level-based, as in controller-runtime: a watch event only says *which* object to look at; the
controller then reads the object and the world and acts. Reconciles of one object never overlap
(a change that arrives meanwhile marks it dirty and it runs again); different objects reconcile
concurrently, at most :attr:`Controller.max_concurrent_reconciles` at a time when that is set.
Every task belongs to the controller's task group, so cancelling the controller cancels all of
them.

A reconcile steers what happens next (controller-runtime's ``Result{RequeueAfter}``, kopf's
``TemporaryError`` / ``PermanentError``):

- it returns :class:`Result` with ``requeue_after``: reconciled again after that delay (a drift
  check, a poll of something that has no events);
- it raises :class:`pyspire.errors.TemporaryError`: logged, reconciled again after its ``delay``;
- it raises :class:`pyspire.errors.PermanentError`: its reason is logged once, not retried until
  the object changes;
- it raises anything else (a bug): logged with the object, retried with a per-object backoff.

A watch that falls behind (:class:`ResourceVersionGone`) lists again — every current object is
reconciled — and carries on from there, as client-go's informers do; with
:attr:`Controller.resync_seconds` every object is also reconciled periodically.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from pyspire.errors import PermanentError, TemporaryError
from pyspire.orchestrator.store import ObjectStore, ResourceVersionGone, WatchEvent

log = logging.getLogger(__name__)

#: Backoff of an object whose reconcile keeps raising: doubles from the first to the last.
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Result:
    """What a reconcile may return: ``requeue_after`` seconds until it runs again (None: only
    when something changes)."""

    requeue_after: float | None = None


class Controller:
    #: The kinds whose events trigger reconciles; the first is the kind this controller owns.
    kinds: tuple[str, ...] = ()
    #: Reconcile every owned object this often (seconds), changed or not; None: never.
    resync_seconds: float | None = None
    #: At most this many reconciles of this controller run at once; None: no limit.
    max_concurrent_reconciles: int | None = None

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._active: set[str] = set()
        self._dirty: set[str] = set()
        self._tg: asyncio.TaskGroup | None = None
        self._requeues: dict[str, asyncio.TimerHandle] = {}
        self._failures: dict[str, int] = {}
        self._slots: asyncio.Semaphore | None = None
        self._watching: set[str] = set()
        #: Set once the controller watches every kind it reconciles on (no change is missed after).
        self.ready = asyncio.Event()

    @property
    def kind(self) -> str:
        return self.kinds[0]

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        """Which owned objects an event concerns (by default: the object itself)."""
        return (event.name,) if event.kind == self.kinds[0] else ()

    async def reconcile(self, name: str) -> Result | None:
        """Make the world match object ``name`` of :attr:`kind` (read it afresh: it may be
        gone). Return :class:`Result` to be reconciled again later; raise ``TemporaryError`` /
        ``PermanentError`` to say whether retrying can help (see the module's docstring)."""
        raise NotImplementedError

    async def run(self) -> None:
        """Watch and reconcile until cancelled."""
        if self.max_concurrent_reconciles is not None:
            self._slots = asyncio.Semaphore(self.max_concurrent_reconciles)
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                for kind in self.kinds:
                    tg.create_task(self._watch(kind), name=f"{type(self).__name__}-watch-{kind}")
                if self.resync_seconds is not None:
                    tg.create_task(self._resync(self.resync_seconds), name=f"{type(self).__name__}-resync")
        finally:
            self._tg = None
            for timer in self._requeues.values():
                timer.cancel()
            self._requeues.clear()
            self._active.clear()
            self._dirty.clear()
            await asyncio.shield(self.shutdown())

    async def shutdown(self) -> None:
        """Release what the controller holds when it is cancelled (shielded from cancellation)."""

    async def kill_now(self) -> None:
        """Kill whatever the controller runs at once, without grace (a second Ctrl+C, or a
        shutdown with the controllers gone)."""

    def spawn_task(self, coro: Coroutine[Any, Any, None] | Awaitable[None], name: str) -> asyncio.Task[None]:
        """Start a task owned by this controller."""
        assert self._tg is not None, "controller is not running"
        return self._tg.create_task(coro, name=name)  # type: ignore[arg-type]

    def enqueue_all(self) -> None:
        """Reconcile every object this controller owns."""
        for obj in self.store.list(self.kind):
            self.enqueue(str(obj["metadata"]["name"]))

    async def _watch(self, kind: str) -> None:
        """List, then watch from the listed version (client-go's list-and-watch): a list is
        not bounded the way a watch's backlog is, so re-listing after Gone always succeeds."""
        version: str | None = None
        while True:
            try:
                if version is None:
                    version = self.store.resource_version
                    for obj in self.store.list(kind):
                        self._on_event(WatchEvent("ADDED", obj))
                watch = self.store.watch(kind, resource_version=version, on_ready=lambda: self._watches(kind))
                async for event in watch:
                    version = event.object["metadata"]["resourceVersion"]
                    self._on_event(event)
                return
            except ResourceVersionGone as exc:
                log.warning(
                    "%s: the watch of %s fell behind (%s); listing again", type(self).__name__, kind, exc
                )
                version = None
                if kind != self.kind:
                    # The fresh list replays the owned kind itself; for another kind it cannot
                    # replay what vanished meanwhile, so every owned object is looked at.
                    self.enqueue_all()

    def _watches(self, kind: str) -> None:
        self._watching.add(kind)
        if len(self._watching) == len(self.kinds):
            self.ready.set()

    def _on_event(self, event: WatchEvent) -> None:
        try:
            keys = self.keys_for(event)
        except Exception as exc:  # a crash of the controller: say which object
            exc.add_note(f"while handling {event.type} of {event.kind} {event.name!r}")
            raise
        for key in keys:
            self.enqueue(key)

    async def _resync(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.enqueue_all()

    def enqueue(self, name: str) -> None:
        if self._tg is None:
            return  # stopped: a late requeue timer or event has nothing to run in
        if name in self._active:
            self._dirty.add(name)
            return
        self._active.add(name)
        self.spawn_task(self._worker(name), name=f"{type(self).__name__}-{name}")

    async def _worker(self, name: str) -> None:
        try:
            while True:
                self._dirty.discard(name)
                delay = await self._reconcile_once(name)
                self._requeue(name, delay)
                if name not in self._dirty:
                    break
        finally:
            self._active.discard(name)

    async def _reconcile_once(self, name: str) -> float | None:
        """Run one reconcile; the delay until the next one it asks for (or earns by failing)."""
        try:
            if self._slots is None:
                result = await self.reconcile(name)
            else:
                async with self._slots:
                    result = await self.reconcile(name)
        except asyncio.CancelledError:
            raise
        except TemporaryError as exc:
            log.warning(
                "%s: reconcile of %s %r will be retried in %gs: %s",
                type(self).__name__,
                self.kind,
                name,
                exc.delay,
                exc,
            )
            return exc.delay
        except PermanentError as exc:
            self._failures.pop(name, None)
            log.error(
                "%s: reconcile of %s %r failed and is not retried: %s",
                type(self).__name__,
                self.kind,
                name,
                exc,
            )
            return None
        except Exception:  # a bug in one reconcile must not take the controller down
            failures = self._failures[name] = self._failures.get(name, 0) + 1
            delay: float = min(RETRY_FIRST_SECONDS * 2.0 ** (failures - 1), RETRY_MAX_SECONDS)
            log.exception(
                "%s: reconcile of %s %r failed (%d in a row); retrying in %gs",
                type(self).__name__,
                self.kind,
                name,
                failures,
                delay,
            )
            return delay
        if self._failures:
            self._failures.pop(name, None)
        return result.requeue_after if result is not None else None

    def _requeue(self, name: str, delay: float | None) -> None:
        """The latest reconcile decides when the next one runs: replace any pending requeue."""
        if self._requeues:
            pending = self._requeues.pop(name, None)
            if pending is not None:
                pending.cancel()
        if delay is None:
            return
        loop = asyncio.get_running_loop()
        self._requeues[name] = loop.call_later(max(delay, 0.0), self._requeued, name)

    def _requeued(self, name: str) -> None:
        self._requeues.pop(name, None)
        self.enqueue(name)
