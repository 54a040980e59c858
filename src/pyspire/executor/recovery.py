"""Replacing replicas the runner did not end: restart policy, and objects deleted by a client.

A replica that exits by itself restarts after the policy's backoff (see
:mod:`pyspire.executor.restart_policy`). A replica object deleted by someone else (``kubectl
delete executable ...``) is replaced, as Aspire's app host recreates a deleted DCP Executable:
once the old one is gone, a new replica with the same index (new name suffix, new pid, same ports
behind the same proxy) starts. Meanwhile the replica shows Stopping (then Starting), never an
ended state. Neither happens once the resource was stopped by command — deleting what is left of
it starts nothing — or while the app host shuts down.

Both count as a restart, and nothing else does: ``restart_count`` (the snapshot, ``pyspire
describe``'s "Restarts") is how many times the app host replaced a replica of the resource by
itself since it started, and the log says "restart N: OLD replaced by NEW" with that same N. A
start or restart by command is the user's doing and is not counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from pyspire.executor.restart_policy import RestartBackoff
from pyspire.executor.snapshots import ReplicaSnapshot
from pyspire.executor.user_code import USER_ERRORS

if TYPE_CHECKING:
    from pyspire.orchestrator.orchestrator import Orchestrator


class RecoveryHost(Protocol):
    """The part of the runner's host replacement uses (named here, not imported from the runner,
    so that the runner and this mixin do not import each other)."""

    @property
    def orchestrator(self) -> Orchestrator: ...

    @property
    def shutting_down(self) -> bool: ...

    def publish(self, name: str) -> None: ...

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]: ...


class Recovering(Protocol):
    """The parts of :class:`pyspire.executor.runner.ResourceRunner` replacement works with."""

    name: str
    kind: str
    replicas: dict[str, ReplicaSnapshot]
    message: str | None
    restart_count: int
    _index: dict[str, int]
    _replacing: dict[str, ReplicaSnapshot]
    _restart_tasks: dict[int, asyncio.Task[None]]
    _stop_requested: bool
    _lock: asyncio.Lock
    _changed: asyncio.Event
    _backoff: RestartBackoff

    @property
    def host(self) -> RecoveryHost: ...

    def _log(self, text: str) -> None: ...

    def _failure(self, what: str, exc: BaseException, secrets: Iterable[str] = ()) -> str: ...

    def _set_phase(self, phase: str, message: str | None = None) -> None: ...

    async def _create_replica(self, index: int) -> set[str]: ...

    async def _forget(self, names: list[str]) -> None: ...

    def _drop(self, names: list[str]) -> None: ...

    async def _replace(self, old: str, index: int) -> None: ...

    async def _replace_deleted(self, name: str, index: int) -> None: ...

    async def _restart_replica(self, name: str, index: int, delay: float) -> None: ...


class ReplicaRecovery:
    """Mixed into the runner: replaces replicas after a crash (policy) or a client's delete."""

    message: str | None

    async def _replace(self: Recovering, old: str, index: int) -> None:
        """Create a replica in place of ``old`` (already gone) and count it as a restart."""
        await self._create_replica(index)
        self.restart_count += 1
        new = next(n for n, i in self._index.items() if i == index)
        self._log(f"restart {self.restart_count}: {old} replaced by {new}")

    def _deleted_by_client(self: Recovering, name: str, snapshot: ReplicaSnapshot) -> ReplicaSnapshot:
        """Someone else deleted this replica's object: replace it once it is gone. Returns the
        snapshot to show meanwhile."""
        if name not in self._replacing:
            index = self._index[name]
            if self._stop_requested or self.host.shutting_down or index in self._restart_tasks:
                return snapshot  # stopped by command, or a pending restart replaces it anyway
            self._log(f"{name} was deleted; replacing it with a new replica")
            self.message = f"replacing deleted replica {name}"
            self._restart_tasks[index] = self.host.spawn(
                self._replace_deleted(name, index), f"replace-{name}"
            )
        self._replacing[name] = snapshot
        alive = snapshot.state in ("Starting", "Running", "Stopping")
        return dataclasses.replace(snapshot, state="Stopping" if alive else "Starting")

    async def _replace_deleted(self: Recovering, name: str, index: int) -> None:
        replaced = False
        try:
            await self.host.orchestrator.wait_deleted(self.kind, [name])
            async with self._lock:
                if name not in self._replacing or self._stop_requested or self.host.shutting_down:
                    return
                del self._replacing[name]
                self._drop([name])
                replaced = True
                self.message = None
                await self._replace(name, index)
        except USER_ERRORS as exc:
            message = self._failure(f"cannot replace deleted replica {name}", exc)
            self._set_phase("FailedToStart", message)
        finally:
            self._restart_tasks.pop(index, None)
            last = self._replacing.pop(name, None)
            if not replaced and last is not None and name in self.replicas:
                # Cancelled by a stop or start: show the replica as it really is again.
                self.replicas[name] = last
                if self.message == f"replacing deleted replica {name}":
                    self.message = None
                self._changed.set()
                self.host.publish(self.name)

    def _maybe_restart(self: Recovering, name: str, exit_code: int | None) -> None:
        if not self._backoff.wants(exit_code) or self._stop_requested or self.host.shutting_down:
            return
        index = self._index[name]
        if index in self._restart_tasks:
            return
        replica = self.replicas[name]
        decision = self._backoff.decide(name, index, exit_code, replica.started_at, replica.stopped_at)
        self._log(decision.message)
        if decision.delay is None:
            return
        self.message = f"restarting in {decision.delay:.1f}s"
        self._restart_tasks[index] = self.host.spawn(
            self._restart_replica(name, index, decision.delay), f"restart-{name}"
        )

    async def _restart_replica(self: Recovering, name: str, index: int, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            async with self._lock:
                if self._stop_requested or self.host.shutting_down or name not in self._index:
                    return
                await self._forget([name])
                self.message = None
                await self._replace(name, index)
        except USER_ERRORS as exc:
            self._set_phase("FailedToStart", self._failure(f"cannot restart {name}", exc))
        finally:
            self._restart_tasks.pop(index, None)
