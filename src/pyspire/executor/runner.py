"""One runnable resource's lifecycle: wait, start, stop, restart, and restart on crash.

The runner owns the resource's replicas (one Executable object each; a container resource's
runner, in :mod:`pyspire.executor.container_runner`, owns one Container object instead). Starting
means: wait for dependencies, resolve values, create the Executables. Stopping patches
``spec.stop`` and waits for every replica to end. Start after stop deletes the old objects and
creates new ones (new pids) on the same target ports, behind the same proxy port, so clients keep
working. Commands on one resource are serialized; different resources never wait on each other,
so a crash-looping resource does not slow the rest of the app.

Starting by command re-evaluates the waits, as the app's start does: when one cannot be satisfied
now (the dependency is stopped, failed, or finished with the wrong exit code) the command fails
with the reason and the resource stays as it was; when one is pending the resource shows Waiting.
``start`` on a resource that is already Waiting starts it at once, skipping its waits (Aspire's
"force start"). A resource that failed to start only because a dependency failed keeps watching
it and starts again once the dependency gets where it is awaited — a chain of dependents (migrate
→ api → web) recovers by itself when the first link is fixed.

The user's code that runs while a replica is rendered (env and args callbacks, value providers)
cannot take the app host down: whatever it raises fails this resource only, with the user's
traceback in the resource's log.

Replicas the runner did not end itself — crashed, or deleted by a client — are replaced by
:class:`pyspire.executor.recovery.ReplicaRecovery`, which also defines the restart count.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from pyspire.executor.addresses import EndpointAddresses, EndpointFailed
from pyspire.executor.commands import CommandResult, PredicateErrors
from pyspire.executor.environment import Launch, TelemetryEnv, mask_secrets, resolve_launch
from pyspire.executor.recovery import ReplicaRecovery
from pyspire.executor.resolution import ConfiguredValues, ResolutionContext
from pyspire.executor.restart_policy import RestartBackoff
from pyspire.executor.snapshots import ReplicaSnapshot, SnapshotHub
from pyspire.executor.states import aggregate_state, replica_state
from pyspire.executor.user_code import USER_ERRORS, describe, raised_by_user_code, user_traceback
from pyspire.executor.waits import DependencyFailed, blocked, until_unblocked, wait_for_dependencies
from pyspire.model.errors import ResolutionError
from pyspire.model.lifecycle import ExplicitStartAnnotation, RestartPolicyAnnotation, WaitAnnotation
from pyspire.model.names import random_suffix
from pyspire.model.resources import ExecutableResource, RunnableResource
from pyspire.orchestrator.objects import EXECUTABLE, LABEL_REPLICA_INDEX, ServedPort, new_executable
from pyspire.orchestrator.store import Obj

if TYPE_CHECKING:
    from pyspire.orchestrator.orchestrator import Orchestrator

_ENDED = frozenset({"Finished", "Exited", "FailedToStart"})


class RunnerHost(Protocol):
    """What a runner needs from the executor."""

    orchestrator: Orchestrator
    addresses: EndpointAddresses
    values: ConfiguredValues
    snapshots: SnapshotHub
    telemetry: TelemetryEnv
    shutting_down: bool

    def publish(self, name: str) -> None: ...

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]: ...

    async def before_start(self, resource: RunnableResource) -> None:
        """Waits done, nothing created yet: dispatch the before-start event (raises what a
        subscriber raised)."""
        ...


class ResourceRunner(ReplicaRecovery):
    #: The orchestrator kind of this runner's replica objects.
    kind = EXECUTABLE
    #: pyspire's own reasons a resource cannot start (shown as a message, without a traceback).
    start_errors: tuple[type[Exception], ...] = (
        DependencyFailed,
        ResolutionError,
        EndpointFailed,
        TypeError,
        ValueError,
    )

    def __init__(self, resource: RunnableResource, host: RunnerHost) -> None:
        self.resource = resource
        self.name = resource.name
        self.host = host
        self.phase = "NotStarted"
        self.message: str | None = None
        self.replicas: dict[str, ReplicaSnapshot] = {}
        self.env_shown: tuple[Any, ...] = ()
        #: Times the app host replaced a replica by itself (restart policy, deleted object).
        self.restart_count = 0
        self._index: dict[str, int] = {}
        #: The uid of each replica object we created: events about an older object of the same
        #: name (a persistent container's name is reused) are not about the current replica.
        self._uids: dict[str, str] = {}
        #: Replicas this runner is deleting itself (start, restart): not to be replaced.
        self._releasing: set[str] = set()
        #: Replicas someone else deleted, being replaced → their last unadjusted snapshot.
        self._replacing: dict[str, ReplicaSnapshot] = {}
        self._launch_task: asyncio.Task[None] | None = None
        #: Set once the current launch has settled: replicas created, Waiting, or FailedToStart.
        self._settled = asyncio.Event()
        self._restart_tasks: dict[int, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()
        self._stop_requested = False
        self._changed = asyncio.Event()
        self.policy = resource.last_annotation(RestartPolicyAnnotation) or RestartPolicyAnnotation()
        self._backoff = RestartBackoff(self.policy)
        self._waits = resource.annotations_of(WaitAnnotation)
        #: Failing ``enabled_when`` predicates of its custom commands, reported once each.
        self.command_errors = PredicateErrors(host.orchestrator.logs, self.name)

    # -- state ---------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        if self.phase == "FailedToStart" or (self.phase in ("NotStarted", "Waiting") and not self.replicas):
            return self.phase
        return aggregate_state(tuple(self.replicas.values()), self.resource.replicas, self.phase)

    def running_replicas(self) -> list[tuple[str, int]]:
        return [(n, self._index[n]) for n, r in self.replicas.items() if r.state == "Running"]

    def _set_phase(self, phase: str, message: str | None = None) -> None:
        self.phase, self.message = phase, message
        if phase == "FailedToStart":
            self._settled.set()
        self.host.publish(self.name)

    def _log(self, text: str) -> None:
        self.host.orchestrator.logs.system(self.name, text)

    def _log_lines(self, lines: Iterable[str]) -> None:
        self.host.orchestrator.logs.append(self.name, self.name, "system", list(lines))

    def _failure(self, what: str, exc: BaseException, secrets: Iterable[str] = ()) -> str:
        """Log why ``what`` failed — with the user's traceback when their code raised, or the
        whole one for a bug — and return the one-line message for the snapshot."""
        known = isinstance(exc, self.start_errors) and not raised_by_user_code(exc)
        hidden = set(secrets)
        message = mask_secrets(f"{what}: {exc if known else describe(exc)}", hidden)
        self._log(message)
        if not known:
            self._log_lines(mask_secrets(line, hidden) for line in user_traceback(exc))
        return message

    # -- starting ------------------------------------------------------------------------------

    def begin(self) -> None:
        """Called once at app start: start now (after waits), or stay NotStarted if explicit."""
        if self.resource.annotations_of(ExplicitStartAnnotation):
            self._set_phase("NotStarted", "waiting to be started by command")
        else:
            self._launch(skip_waits=False)

    def _launch(self, skip_waits: bool) -> asyncio.Event:
        """Start the launch task; returns the event set once it has settled."""
        self._stop_requested = False
        self._settled = settled = asyncio.Event()
        self._launch_task = self.host.spawn(self._launch_body(skip_waits), f"launch-{self.name}")
        return settled

    async def _launch_body(self, skip_waits: bool) -> None:
        secrets: set[str] = set()
        try:
            while True:
                try:
                    if self._waits and not skip_waits:
                        self._set_phase("Waiting", "waiting for dependencies")
                        await wait_for_dependencies(self._waits, self.host.snapshots, self._on_wait)
                    break
                except DependencyFailed as exc:
                    self._set_phase("FailedToStart", self._failure("cannot start", exc))
                    # Failed only because of a dependency: start once it is fixed.
                    await until_unblocked(self._waits, self.host.snapshots)
                    self._log("its dependencies are back; waiting for them again")
            self._set_phase("Starting")
            await self.host.before_start(self.resource)
            for allocation in self.host.addresses.for_resource(self.name):
                await allocation.bound
            for index in range(self.resource.replicas):
                if self.host.shutting_down:
                    return
                secrets |= await self._create_replica(index)
                # Creating a replica may not suspend at all: yield, so that however many there
                # are, signals (Ctrl+C), the controllers and the API keep being served.
                await asyncio.sleep(0)
        except USER_ERRORS as exc:
            self._set_phase("FailedToStart", self._failure("cannot start", exc, secrets))
        finally:
            self._settled.set()

    def _on_wait(self, what: str) -> None:
        self._log(what)
        self._set_phase("Waiting", what)
        self._settled.set()

    def _suffix(self, index: int) -> str:
        """The replica's name suffix (also its ``service.instance.id``)."""
        return random_suffix()

    async def _context_for(self, index: int) -> ResolutionContext:
        """How values resolve for this replica (a container runner first learns its network)."""
        return ResolutionContext(self.resource, self.host.addresses, self.host.values, self._on_wait, index)

    def properties(self) -> tuple[tuple[str, str], ...]:
        """Extra facts for the resource's snapshot."""
        return ()

    async def _render(self, index: int, suffix: str, ctx: ResolutionContext) -> tuple[Obj, Launch]:
        """The replica's object, with every value resolved."""
        resource = self.resource
        assert isinstance(resource, ExecutableResource)
        launch = await resolve_launch(resource, ctx, self.host.addresses, index, suffix, self.host.telemetry)
        ports = [
            ServedPort(
                service=a.service_name,
                address="127.0.0.1"
                if a.endpoint.bind_host in ("localhost", "0.0.0.0")
                else a.endpoint.bind_host,
                port=a.target_ports[index],
                protocol=a.endpoint.protocol,
                mustBeFree=not a.endpoint.proxied and a.endpoint.port is not None,
            )
            for a in self.host.addresses.for_resource(self.name)
        ]
        obj = new_executable(
            f"{self.name}-{suffix}",
            resource=self.name,
            command=resource.command,
            args=launch.args,
            env=launch.env,
            working_directory=str(resource.working_dir),
            grace_period_seconds=resource.stop_grace_period,
            ports=ports,
        )
        return obj, launch

    async def _create_replica(self, index: int) -> set[str]:
        """Render and create replica ``index``; raises what rendering raised, after registering
        the secrets it resolved so far for masking."""
        suffix = self._suffix(index)
        ctx = await self._context_for(index)
        try:
            obj, launch = await self._render(index, suffix, ctx)
        except BaseException:
            self.host.orchestrator.redactor.add(ctx.secrets)
            raise
        self.host.orchestrator.redactor.add(launch.secrets)
        if self.phase == "Waiting":
            self._set_phase("Starting")
        name = obj["metadata"]["name"]
        obj["metadata"]["labels"][LABEL_REPLICA_INDEX] = str(index)
        self._index[name] = index
        self.replicas[name] = ReplicaSnapshot(name, suffix, "Starting")
        if index == 0:
            self.env_shown = launch.shown_env
        created = self.host.orchestrator.store.create(obj)
        self._uids[name] = created["metadata"]["uid"]
        return launch.secrets

    # -- replica events ------------------------------------------------------------------------

    def on_replica(self, obj: Obj, deleted: bool = False) -> None:
        """An Executable or Container of ours changed or (``deleted``) is gone (from the
        executor's watch)."""
        name = obj["metadata"]["name"]
        if name not in self._index or obj["metadata"].get("uid") != self._uids.get(name):
            return  # a replica already replaced
        status = obj.get("status", {})
        exit_code = status.get("exitCode")
        snapshot = ReplicaSnapshot(
            name=name,
            suffix=name.rsplit("-", 1)[-1],
            state=replica_state(status.get("state"), exit_code),
            pid=status.get("pid"),
            exit_code=exit_code,
            started_at=status.get("startupTimestamp"),
            stopped_at=status.get("finishTimestamp"),
            message=status.get("message"),
            container_id=status.get("containerId"),
        )
        if deleted and snapshot.state not in _ENDED:
            # Gone while it looked alive (a deleted container's status is not updated): it is
            # no longer ours to run, so nothing should wait for it to end.
            snapshot = dataclasses.replace(snapshot, state="Exited")
        if (deleted or obj["metadata"].get("deletionTimestamp")) and name not in self._releasing:
            snapshot = self._deleted_by_client(name, snapshot)
        self.replicas[name] = snapshot
        if status.get("state") == "Finished" and name not in self._replacing:
            self._maybe_restart(name, exit_code)
        self._changed.set()
        self.host.publish(self.name)

    async def _forget(self, names: list[str]) -> None:
        """Delete replica objects, wait until they are gone, and drop them from the snapshot."""
        store = self.host.orchestrator.store
        self._releasing.update(names)
        try:
            for name in names:
                store.delete(self.kind, name)
            await self.host.orchestrator.wait_deleted(self.kind, names)
            self._drop(names)
        finally:
            self._releasing.difference_update(names)

    def _drop(self, names: list[str]) -> None:
        for name in names:
            self.replicas.pop(name, None)
            self._index.pop(name, None)
            self._uids.pop(name, None)
            self._replacing.pop(name, None)

    # -- commands ------------------------------------------------------------------------------

    async def _cancel_pending(self) -> None:
        tasks = [
            t for t in [self._launch_task, *self._restart_tasks.values()] if t is not None and not t.done()
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._restart_tasks.clear()

    async def stop(self) -> CommandResult:
        """Stop every replica (SIGTERM to its group, grace period, SIGKILL) and wait until ended."""
        async with self._lock:
            self._stop_requested = True
            await self._cancel_pending()
            store = self.host.orchestrator.store
            live = [n for n, r in self.replicas.items() if r.state not in _ENDED]
            for name in live:
                if store.exists(self.kind, name):  # a deleted replica may be gone already
                    store.patch(self.kind, name, {"spec": {"stop": True}})
            if not self.replicas:
                self._set_phase("NotStarted", "stopped before it started")
            while any(self.replicas[n].state not in _ENDED for n in live if n in self.replicas):
                self._changed.clear()
                await self._changed.wait()
        return CommandResult.ok()

    def _blocked(self, command: str) -> CommandResult | None:
        """A failure naming every wait that cannot be satisfied now, else None."""
        failed = blocked(self._waits, self.host.snapshots)
        if not failed:
            return None
        reasons = "; ".join(reason for _, reason in failed)
        names = ", ".join(dict.fromkeys(f"'{wait.target.name}'" for wait, _ in failed))
        return CommandResult.failure(f"cannot {command} '{self.name}': {reasons}; start {names} first")

    async def start(self) -> CommandResult:
        """Start again (new replicas in place of ended ones) once the waits are satisfied; on a
        Waiting resource, at once. Returns once the resource is starting, Waiting or failed."""
        async with self._lock:
            force = self.state == "Waiting"
            refusal = None if force else self._blocked("start")
            if refusal is not None:
                return refusal
            await self._cancel_pending()
            await self._forget(list(self.replicas))
            self._backoff.reset()
            settled = self._launch(skip_waits=force)
            await settled.wait()
            if self.phase == "FailedToStart":
                return CommandResult.failure(self.message or f"'{self.name}' failed to start")
            return CommandResult.ok(self.message if self.phase == "Waiting" else None)

    async def restart(self) -> CommandResult:
        """Stop, then start — unless a wait cannot be satisfied now: then it keeps running."""
        refusal = self._blocked("restart")
        if refusal is not None:
            return refusal
        await self.stop()
        return await self.start()
