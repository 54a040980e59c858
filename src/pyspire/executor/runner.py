"""One runnable resource's lifecycle: wait, start, stop, restart, and restart on crash.

The runner owns the resource's replicas (one Executable object each; a container resource's
runner, in :mod:`pyspire.executor.container_runner`, owns one Container object instead). It is
the face the executor sees; the work is done by parts with one job each, which share a
:class:`~pyspire.executor.runner_core.RunnerCore` (phase, message, replica bookkeeping):

- :mod:`pyspire.executor.launch`: waits, then rendering and creating the replicas;
- :mod:`pyspire.executor.recovery`: replacing replicas that crashed or that a client deleted;
- :mod:`pyspire.executor.runner_commands`: stop, start, restart.

Its phase is an explicit :class:`~pyspire.executor.phases.RunnerPhase`, changed only through the
transition table in :mod:`pyspire.executor.phases`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pyspire.errors import PyspireError
from pyspire.executor.addresses import EndpointFailed
from pyspire.executor.commands import CommandResult, PredicateErrors
from pyspire.executor.launch import Launcher
from pyspire.executor.phases import RunnerPhase
from pyspire.executor.recovery import ReplicaRecovery
from pyspire.executor.replica_render import ExecutableRenderer, ReplicaRenderer
from pyspire.executor.replica_set import snapshot_of
from pyspire.executor.runner_commands import RunnerCommands
from pyspire.executor.runner_core import RunnerCore
from pyspire.executor.runner_host import RunnerHost
from pyspire.executor.snapshots import ReplicaSnapshot
from pyspire.executor.waits import DependencyFailed
from pyspire.model.errors import ResolutionError
from pyspire.model.lifecycle import RestartPolicyAnnotation
from pyspire.model.resources import RunnableResource
from pyspire.orchestrator.objects import EXECUTABLE
from pyspire.orchestrator.store import Obj
from pyspire.states import TERMINAL_STATES, ResourceState

__all__ = ["ResourceRunner", "RunnerHost"]


class ResourceRunner:
    #: The orchestrator kind of this runner's replica objects.
    kind = EXECUTABLE
    #: pyspire's own reasons a resource cannot start (shown as a message, without a traceback).
    start_errors: tuple[type[Exception], ...] = (
        DependencyFailed,
        ResolutionError,
        EndpointFailed,
        # What an integration's resolve_command raises for a user's mistake (a missing program,
        # package.json or virtual environment): its message says the fix.
        PyspireError,
        TypeError,
        ValueError,
    )

    def __init__(self, resource: RunnableResource, host: RunnerHost, renderer: ReplicaRenderer | None = None) -> None:
        self.resource = resource
        self.name = resource.name
        self.host = host
        self.core = RunnerCore(resource, host, self.kind, self.start_errors)
        self.policy = resource.last_annotation(RestartPolicyAnnotation) or RestartPolicyAnnotation()
        self._launcher = Launcher(self.core, renderer or ExecutableRenderer(resource, host))
        self._recovery = ReplicaRecovery(self.core, self._launcher.create_replica, self.policy)
        self._commands = RunnerCommands(self.core, self._launcher, self._recovery)
        #: Failing ``enabled_when`` predicates of its custom commands, reported once each.
        self.command_errors = PredicateErrors(host.orchestrator.logs, self.name)

    # -- what the executor publishes -----------------------------------------------------------

    @property
    def phase(self) -> RunnerPhase:
        return self.core.phase

    @property
    def state(self) -> ResourceState:
        return self.core.state()

    @property
    def message(self) -> str | None:
        return self.core.message

    @property
    def replicas(self) -> dict[str, ReplicaSnapshot]:
        return self.core.replicas.snapshots

    @property
    def env_shown(self) -> tuple[Any, ...]:
        return self.core.env_shown

    @property
    def restart_count(self) -> int:
        return self._recovery.restart_count

    def running_replicas(self) -> list[tuple[str, int]]:
        return self.core.replicas.running()

    def properties(self) -> tuple[tuple[str, str], ...]:
        """Extra facts for the resource's snapshot."""
        return ()

    # -- lifecycle -----------------------------------------------------------------------------

    def begin(self) -> None:
        """Called once at app start: start now (after waits), or stay NotStarted if explicit."""
        self._launcher.begin()

    async def start(self) -> CommandResult:
        return await self._commands.start()

    async def stop(self) -> CommandResult:
        return await self._commands.stop()

    async def restart(self) -> CommandResult:
        return await self._commands.restart()

    def on_replica(self, obj: Obj, deleted: bool = False) -> None:
        """An Executable or Container of ours changed or (``deleted``) is gone (from the
        executor's watch)."""
        core, replicas = self.core, self.core.replicas
        if not replicas.is_current(obj):
            return  # a replica already replaced
        name = obj["metadata"]["name"]
        snapshot = snapshot_of(obj)
        if deleted and snapshot.state not in TERMINAL_STATES:
            # Gone while it looked alive (a deleted container's status is not updated): it is
            # no longer ours to run, so nothing should wait for it to end.
            snapshot = dataclasses.replace(snapshot, state=ResourceState.EXITED)
        if (deleted or obj["metadata"].get("deletionTimestamp")) and name not in replicas.releasing:
            snapshot = self._recovery.deleted_by_client(name, snapshot)
        replicas.snapshots[name] = snapshot
        if obj.get("status", {}).get("state") == "Finished" and name not in replicas.replacing:
            self._recovery.maybe_restart(name, snapshot.exit_code)
        core.changed.set()
        self.host.publish(self.name)
