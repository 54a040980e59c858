"""Replacing replicas the runner did not end: restart policy, and objects deleted by a client.

A replica that exits by itself restarts after the policy's backoff (see
:mod:`pyspire.executor.restart_policy`). A replica object deleted by someone else (``kubectl
delete executable ...``) is replaced, as Aspire's app host recreates a deleted DCP Executable:
once the old one is gone, a new replica with the same index (new name suffix, new pid, same ports
behind the same proxy) starts. Meanwhile the replica shows Stopping (then Starting), never an
ended state. Neither happens once the resource was stopped by command — the transition table
(:mod:`pyspire.executor.phases`) says so: deleting what is left of it starts nothing — or while
the app host shuts down.

Both count as a restart, and nothing else does: ``restart_count`` (the snapshot, ``pyspire
describe``'s "Restarts") is how many times the app host replaced a replica of the resource by
itself since it started, and the log says "restart N: OLD replaced by NEW" with that same N. A
start or restart by command is the user's doing and is not counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

from pyspire.executor.phases import RunnerEvent
from pyspire.executor.restart_policy import RestartBackoff
from pyspire.executor.runner_core import RunnerCore
from pyspire.executor.snapshots import ReplicaSnapshot
from pyspire.executor.user_code import USER_ERRORS
from pyspire.model.lifecycle import RestartPolicyAnnotation
from pyspire.states import ResourceState

E = RunnerEvent
_ALIVE = frozenset({ResourceState.STARTING, ResourceState.RUNNING, ResourceState.STOPPING})


class ReplicaRecovery:
    def __init__(
        self,
        core: RunnerCore,
        create_replica: Callable[[int], Awaitable[set[str]]],
        policy: RestartPolicyAnnotation,
    ) -> None:
        self.core = core
        self._create_replica = create_replica
        self.backoff = RestartBackoff(policy)
        #: Times the app host replaced a replica by itself (restart policy, deleted object).
        self.restart_count = 0
        #: Pending replacements, by replica index (a command cancels them).
        self.tasks: dict[int, asyncio.Task[None]] = {}

    async def _replace(self, old: str, index: int) -> None:
        """Create a replica in place of ``old`` (already gone) and count it as a restart."""
        await self._create_replica(index)
        self.restart_count += 1
        new = self.core.replicas.name_at(index)
        self.core.log(f"restart {self.restart_count}: {old} replaced by {new}")

    def deleted_by_client(self, name: str, snapshot: ReplicaSnapshot) -> ReplicaSnapshot:
        """Someone else deleted this replica's object: replace it once it is gone. Returns the
        snapshot to show meanwhile."""
        core = self.core
        if name not in core.replicas.replacing:
            index = core.replicas.index[name]
            acts = core.advance(E.REPLICA_DELETED, publish=False).act
            if not acts or core.host.shutting_down or index in self.tasks:
                return snapshot  # stopped by command, or a pending restart replaces it anyway
            core.log(f"{name} was deleted; replacing it with a new replica")
            core.message = f"replacing deleted replica {name}"
            self.tasks[index] = core.host.spawn(self._replace_deleted(name, index), f"replace-{name}")
        core.replicas.replacing[name] = snapshot
        alive = snapshot.state in _ALIVE
        return dataclasses.replace(
            snapshot, state=ResourceState.STOPPING if alive else ResourceState.STARTING
        )

    async def _replace_deleted(self, name: str, index: int) -> None:
        core, replicas = self.core, self.core.replicas
        replaced = False
        try:
            await core.host.orchestrator.wait_deleted(core.kind, [name])
            async with core.lock:
                if name not in replicas.replacing or core.stop_requested or core.host.shutting_down:
                    return
                del replicas.replacing[name]
                replicas.drop([name])
                replaced = True
                core.message = None
                await self._replace(name, index)
        except USER_ERRORS as exc:
            core.advance(E.START_FAILED, core.failure(f"cannot replace deleted replica {name}", exc))
        finally:
            self.tasks.pop(index, None)
            last = replicas.replacing.pop(name, None)
            if not replaced and last is not None and name in replicas.snapshots:
                # Cancelled by a stop or start: show the replica as it really is again.
                replicas.snapshots[name] = last
                if core.message == f"replacing deleted replica {name}":
                    core.message = None
                core.changed.set()
                core.host.publish(core.name)

    def maybe_restart(self, name: str, exit_code: int | None) -> None:
        """Replica ``name`` exited by itself: restart it after the backoff, if the policy says so."""
        core = self.core
        acts = core.advance(E.REPLICA_EXITED, publish=False).act
        if not acts or not self.backoff.wants(exit_code) or core.host.shutting_down:
            return
        index = core.replicas.index[name]
        if index in self.tasks:
            return
        replica = core.replicas.snapshots[name]
        decision = self.backoff.decide(name, index, exit_code, replica.started_at, replica.stopped_at)
        core.log(decision.message)
        if decision.delay is None:
            return
        core.message = f"restarting in {decision.delay:.1f}s"
        self.tasks[index] = core.host.spawn(
            self._restart_replica(name, index, decision.delay), f"restart-{name}"
        )

    async def _restart_replica(self, name: str, index: int, delay: float) -> None:
        core = self.core
        try:
            await asyncio.sleep(delay)
            async with core.lock:
                if core.stop_requested or core.host.shutting_down or name not in core.replicas.index:
                    return
                await core.forget([name])
                core.message = None
                await self._replace(name, index)
        except USER_ERRORS as exc:
            core.advance(E.START_FAILED, core.failure(f"cannot restart {name}", exc))
        finally:
            self.tasks.pop(index, None)
