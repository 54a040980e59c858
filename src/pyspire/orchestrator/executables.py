"""The Executable controller: turns Executable objects into running OS processes.

One Executable is one replica. The controller spawns it (own process group, parent-death signal),
captures its output line by line into the log store, publishes Endpoint objects for the ports it
serves while it runs, records pid / state / timestamps / exit code in status, and stops it with
its stop signal (``spec.stopSignal``, SIGTERM by default; SIGINT is PostgreSQL's fast shutdown)
to the group, a grace period, then SIGKILL — when ``spec.stop`` is set, when the object is
deleted, or when the app host shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pyspire.orchestrator.controller import Controller
from pyspire.orchestrator.listening import ListenWatcher
from pyspire.orchestrator.logs import LogStore, PipeReader
from pyspire.orchestrator.objects import (
    ENDPOINT,
    EXECUTABLE,
    FINALIZER,
    LABEL_RESOURCE,
    ServedPort,
    env_of,
    new_endpoint,
)
from pyspire.orchestrator.store import Obj, ObjectStore, now_rfc3339
from pyspire.runtime.ambient import ambient_environment
from pyspire.runtime.errors import SpawnError
from pyspire.runtime.ports import port_holder, port_is_free
from pyspire.runtime.process import (
    SpawnedProcess,
    describe_exit,
    kill_group_now,
    reap_terminated_group,
    signal_group,
    spawn,
    terminate_group,
)
from pyspire.runtime.procs import describe_command
from pyspire.runtime.sweep import REPLICA_MARKER, kill_marked

#: How long stragglers in a replica's process group get after its main process exits by itself.
STRAGGLER_GRACE_SECONDS = 2.0
#: SIGTERM → SIGKILL when the object does not say (``spec.gracePeriodSeconds``).
DEFAULT_GRACE_SECONDS = 10.0


class ProcessObserver(Protocol):
    """Told about every process spawned and reaped (the app host records them for orphan sweeps)."""

    @property
    def env(self) -> Mapping[str, str]:
        """Variables added to every spawned process's environment."""
        ...

    def spawned(self, pid: int, command: str) -> None: ...

    def exited(self, pid: int) -> None: ...

    @property
    def cgroup_procs(self) -> int | None:
        """The run's cgroup (its ``cgroup.procs``, open) every process joins before exec, if any."""
        ...


class _NoObserver:
    env: Mapping[str, str] = {}
    cgroup_procs: int | None = None

    def spawned(self, pid: int, command: str) -> None:
        pass

    def exited(self, pid: int) -> None:
        pass


@dataclass
class _Replica:
    process: SpawnedProcess
    resource: str
    readers: list[PipeReader]
    endpoints: list[str]
    #: What asks its group to stop (``spec.stopSignal``).
    stop_signal: signal.Signals = signal.SIGTERM
    stopping: bool = False
    deleting: bool = False
    exited: asyncio.Event = field(default_factory=asyncio.Event)
    #: Waits for the ports to listen; ended when the process does (a crash loop would pile up
    #: one waiter per restart, and keep the socket scan running, if it never listened).
    publishing: asyncio.Task[None] | None = None


def _stop_signal(spec: Obj) -> signal.Signals:
    """The spec's stop signal; SIGTERM when unset or not a name this platform knows (the model
    validated it, a client's object may say anything)."""
    try:
        return signal.Signals[spec.get("stopSignal") or "SIGTERM"]
    except KeyError:
        return signal.SIGTERM


class ExecutableController(Controller):
    kinds = (EXECUTABLE,)

    def __init__(self, store: ObjectStore, logs: LogStore, observer: ProcessObserver | None = None) -> None:
        super().__init__(store)
        self.logs = logs
        self.observer: ProcessObserver = observer or _NoObserver()
        self._listening = ListenWatcher()
        self._replicas: dict[str, _Replica] = {}

    @property
    def running_pids(self) -> list[int]:
        return [r.process.pid for r in self._replicas.values()]

    async def reconcile(self, name: str) -> None:
        obj = self.store.find(EXECUTABLE, name)
        if obj is None:
            return
        replica = self._replicas.get(name)
        grace = float(obj["spec"].get("gracePeriodSeconds", DEFAULT_GRACE_SECONDS))
        if obj["metadata"].get("deletionTimestamp"):
            if replica is not None:
                replica.deleting = True
                await self._stop(name, replica, grace)  # its last status patch lets it go
            self.store.remove_finalizer(EXECUTABLE, name, FINALIZER)
            return
        if obj["spec"].get("stop"):
            if replica is not None:
                await self._stop(name, replica, grace)
            elif obj["status"].get("state") in (None, "Starting"):
                self.store.patch_status(
                    EXECUTABLE, name, {"state": "Terminated", "finishTimestamp": now_rfc3339()}
                )
            return
        if replica is None and not obj["status"].get("state"):
            self._start(obj)

    # -- starting ------------------------------------------------------------------------------

    def _start(self, obj: Obj) -> None:
        name = obj["metadata"]["name"]
        resource = obj["metadata"]["labels"].get(LABEL_RESOURCE, name)
        spec = obj["spec"]
        ports: list[ServedPort] = spec.get("ports", [])
        try:
            self._check_ports(ports)
            argv = [spec["executablePath"], *spec.get("args", [])]
            inherit = (spec.get("ambientEnvironment") or {}).get("behavior", "Inherit") == "Inherit"
            env = {**(ambient_environment() if inherit else {}), **env_of(obj), **self.observer.env, REPLICA_MARKER: name}
            process = spawn(argv, env, spec["workingDirectory"], self.observer.cgroup_procs)
        except SpawnError as exc:
            self.logs.system(resource, f"{name} failed to start: {exc}", replica=name)
            self.store.patch_status(
                EXECUTABLE,
                name,
                {"state": "FailedToStart", "message": str(exc), "finishTimestamp": now_rfc3339()},
            )
            return
        readers = [
            PipeReader(process.stdout_fd, self.logs, resource, name, "stdout"),
            PipeReader(process.stderr_fd, self.logs, resource, name, "stderr"),
        ]
        # Recorded for the next run's sweep report, which must not print a secret argument.
        self.observer.spawned(process.pid, describe_command(argv))
        replica = _Replica(process, resource, readers, [], _stop_signal(spec))
        self._replicas[name] = replica
        self.store.patch_status(
            EXECUTABLE,
            name,
            {"state": "Running", "pid": process.pid, "startupTimestamp": now_rfc3339(), "message": None},
        )
        self.spawn_task(self._monitor(name, replica), name=f"monitor-{name}")
        if ports:
            replica.publishing = self.spawn_task(
                self._publish_endpoints(name, replica, ports), name=f"endpoints-{name}"
            )

    async def _publish_endpoints(self, name: str, replica: _Replica, ports: list[ServedPort]) -> None:
        """Create the replica's Endpoint objects once it listens, so the proxy keeps new clients
        parked until then instead of dialling a port that still refuses (a restart stays
        invisible to clients). UDP cannot be observed that way: its endpoints appear at once."""
        for port in ports:
            if port["protocol"] != "udp":
                await self._listening.wait(port["port"])
            if replica.exited.is_set() or replica.stopping:
                return
            endpoint_name = f"{name}-{port['service']}"
            self.store.create(
                new_endpoint(
                    endpoint_name,
                    service=port["service"],
                    owner=name,
                    address=port["address"],
                    port=port["port"],
                )
            )
            replica.endpoints.append(endpoint_name)

    @staticmethod
    def _check_ports(ports: list[ServedPort]) -> None:
        for port in ports:
            if port["mustBeFree"] and not port_is_free(port["port"], port["address"], port["protocol"]):
                holder = port_holder(port["port"], port["protocol"])
                held = f" by {holder}" if holder else ""
                raise SpawnError(
                    f"port {port['port']} ({port['protocol']}) is already in use{held}; free it or choose "
                    "another port for this endpoint"
                )

    async def _monitor(self, name: str, replica: _Replica) -> None:
        """Wait for the replica to exit by itself or by a stop, then record how it ended."""
        try:
            code = await replica.process.wait()
            if replica.publishing is not None:
                replica.publishing.cancel()
            self._remove_endpoints(replica)
            if not replica.stopping:
                # The main process is gone; children it left in its group must not linger.
                await terminate_group(replica.process, STRAGGLER_GRACE_SECONDS)
            if not replica.deleting:
                # Descendants that left the group (a double-forked daemon) still carry the
                # replica's marker. At shutdown the app host sweeps the whole run at once instead.
                for victim in kill_marked(name, REPLICA_MARKER):
                    self.logs.system(
                        replica.resource,
                        f"{name}: killed {victim}, which escaped its process group",
                        replica=name,
                    )
            for reader in replica.readers:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(reader.done), 1.0)
                reader.close()
            state = "Terminated" if replica.stopping else "Finished"
            self.logs.system(
                replica.resource,
                f"{name} {'stopped' if replica.stopping else 'exited'}: {describe_exit(code)}",
                replica=name,
            )
            self._record_end(name, replica, {"state": state, "exitCode": code, "finishTimestamp": now_rfc3339()})
        finally:
            replica.process.close()
            self.observer.exited(replica.process.pid)
            self._replicas.pop(name, None)
            replica.exited.set()

    def _record_end(self, name: str, replica: _Replica, status: dict[str, object]) -> None:
        """Record how the replica ended. A deleted one is let go in the same change (its
        finalizer removed): its DELETED event carries that final status, and stopping 100
        replicas costs one store change (and one fan-out to every watcher) each instead of two."""
        if replica.deleting:
            self.store.remove_finalizer(EXECUTABLE, name, FINALIZER, status=status)
        else:
            self.store.patch_status(EXECUTABLE, name, status)

    # -- stopping ------------------------------------------------------------------------------

    def _remove_endpoints(self, replica: _Replica) -> None:
        for endpoint_name in replica.endpoints:
            self.store.delete(ENDPOINT, endpoint_name)
        replica.endpoints.clear()

    async def _stop(self, name: str, replica: _Replica, grace: float) -> None:
        replica.stopping = True
        self._remove_endpoints(replica)  # no new connection reaches it from here on
        # Signal first, record after: the status patch fans out to every watcher, and 100
        # replicas stopping at once should not each wait for the others' fan-outs to be told.
        if signal_group(replica.process.pgid, replica.stop_signal):
            self.store.patch_status(EXECUTABLE, name, {"state": "Stopping"})
            await asyncio.shield(reap_terminated_group(replica.process, grace))
        await replica.exited.wait()

    async def kill_now(self) -> None:
        """SIGKILL every replica's process group at once (a second Ctrl+C)."""
        for replica in self._replicas.values():
            replica.stopping = True
            kill_group_now(replica.process)

    async def shutdown(self) -> None:
        """Nothing may outlive the controller: kill whatever is still running."""
        self._listening.close()
        for replica in list(self._replicas.values()):
            kill_group_now(replica.process)
            for reader in replica.readers:
                reader.close()
            replica.process.close()
        self._replicas.clear()
