"""The executor: renders the app model into orchestrator objects and publishes snapshots.

It creates one Service per endpoint up front, hands each executable resource to a
:class:`ResourceRunner` (waits, start, stop, restart), runs health monitors while resources run,
executes commands by name, and turns Executable / Service status into resource snapshots. It never
touches processes or sockets itself: that is the controllers' job.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import shutil
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any

from pyspire.executor.addresses import EndpointAddresses, EndpointAllocation
from pyspire.executor.commands import (
    CommandContext,
    CommandLogger,
    CommandResult,
    command_snapshots,
    run_custom,
)
from pyspire.executor.configuration import Configuration
from pyspire.executor.container_launch import ContainerSetup, ContainerUnavailable
from pyspire.executor.container_runner import ContainerRunner
from pyspire.executor.environment import TelemetryEnv, no_telemetry
from pyspire.executor.health import HealthMonitor, Replica, SharedHttpClient
from pyspire.executor.model_facts import is_hidden, relationships_of
from pyspire.executor.persistent_ports import PersistentPorts
from pyspire.executor.resolution import ConfiguredValues
from pyspire.executor.runner import ResourceRunner
from pyspire.executor.snapshots import MASK, HealthReport, ResourceSnapshot, SnapshotHub, Url
from pyspire.executor.states import aggregate_exit_code
from pyspire.labels import LABEL_APP, LABEL_RUN
from pyspire.model.builder import AppModel
from pyspire.model.lifecycle import CommandAnnotation, HealthCheckAnnotation
from pyspire.model.names import random_suffix
from pyspire.model.resources import ConfiguredValueResource, ContainerResource, RunnableResource
from pyspire.orchestrator.objects import (
    CONTAINER,
    CONTAINER_NETWORK,
    EXECUTABLE,
    LABEL_RESOURCE,
    SERVICE,
    new_network,
    new_service,
    new_volume,
)
from pyspire.orchestrator.orchestrator import Orchestrator
from pyspire.runtime.containers import NoContainerEngine
from pyspire.runtime.state_dir import StateDir
from pyspire.states import HealthStatus, ResourceState

log = logging.getLogger(__name__)


class Executor:
    def __init__(
        self,
        model: AppModel,
        orchestrator: Orchestrator,
        configuration: Configuration,
        telemetry: TelemetryEnv = no_telemetry,
        run_id: str | None = None,
    ) -> None:
        self.model = model
        self.run_id = run_id or random_suffix()
        #: Identifies the app host across runs (persistent containers and their network).
        self.app_key = hashlib.sha256(str(model.app_dir).encode()).hexdigest()[:10]
        self.secrets_dir = StateDir.of(model.app_dir).run_secrets(self.run_id)
        self.persistent_ports = PersistentPorts(StateDir.of(model.app_dir).root)
        self.container_network: str | None = None
        self.orchestrator = orchestrator
        self.configuration = configuration
        self.telemetry = telemetry
        self.snapshots = SnapshotHub(orchestrator.redactor)
        self.addresses = EndpointAddresses()
        self.values = ConfiguredValues()
        self.runners: dict[str, ResourceRunner] = {}
        self.shutting_down = False
        self.stopping = asyncio.Event()
        self._health: dict[str, asyncio.Task[None]] = {}
        self._reports: dict[str, tuple[HealthReport, ...]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._tg: asyncio.TaskGroup | None = None
        self._http = SharedHttpClient()
        self._container_setup: dict[bool, asyncio.Task[ContainerSetup]] = {}

    # -- lifecycle -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Executor]:
        """Start every resource; leaving cancels the executor's own tasks (the orchestrator's
        teardown stops the processes)."""
        self._publish_initial_snapshots()
        self._create_services()
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            self.spawn(self._watch_replicas(EXECUTABLE), "executor-watch-executables")
            self.spawn(self._watch_replicas(CONTAINER), "executor-watch-containers")
            self.spawn(self._watch_services(), "executor-watch-services")
            for runner in self.runners.values():
                runner.begin()
            try:
                yield self
            finally:
                self.begin_shutdown()
                for task in list(self._tasks):
                    task.cancel()
        self._tg = None
        await self._http.aclose()
        shutil.rmtree(self.secrets_dir, ignore_errors=True)

    def begin_shutdown(self) -> None:
        """From now on nothing restarts: the app host is stopping."""
        self.shutting_down = True
        self.stopping.set()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Start a task owned by the executor (cancelled when it stops)."""
        assert self._tg is not None, "the executor is not running"
        task = self._tg.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- snapshots -----------------------------------------------------------------------------

    def _publish_initial_snapshots(self) -> None:
        for resource in self.model.resources:
            snapshot = ResourceSnapshot(
                resource.name, resource.resource_type, relationships=relationships_of(resource), hidden=is_hidden(resource)
            )
            if isinstance(resource, ConfiguredValueResource):
                snapshot = self._configured_snapshot(resource, snapshot)
            self.snapshots.add(snapshot)
            if isinstance(resource, RunnableResource):
                self.runners[resource.name] = (
                    ContainerRunner(resource, self)
                    if isinstance(resource, ContainerResource)
                    else ResourceRunner(resource, self)
                )
                self.orchestrator.logs.configure(
                    resource.name, resource.log_buffer_lines or self.model.log_buffer_lines
                )
                self.publish(resource.name)

    def _configured_snapshot(
        self, resource: ConfiguredValueResource, snapshot: ResourceSnapshot
    ) -> ResourceSnapshot:
        self.values.how_to_supply[resource.name] = self.configuration.how_to_supply(resource)
        value = self.configuration.value_for(resource)
        if value is None:
            return ResourceSnapshot(
                resource.name,
                resource.resource_type,
                state=ResourceState.VALUE_MISSING,
                state_message=f"no value: {self.configuration.how_to_supply(resource)}",
                relationships=snapshot.relationships,
                hidden=snapshot.hidden,
            )
        self._accept_value(resource, value)
        return ResourceSnapshot(
            resource.name,
            resource.resource_type,
            state=ResourceState.RUNNING,
            health_status=HealthStatus.HEALTHY,
            properties=(("value", MASK if resource.is_secret else value),),
            relationships=snapshot.relationships,
            hidden=snapshot.hidden,
        )

    def _accept_value(self, resource: ConfiguredValueResource, value: str) -> None:
        if resource.is_secret:
            self.orchestrator.redactor.add([value])
        self.values.set(resource.name, value)

    def set_value(self, name: str, value: str) -> ResourceSnapshot:
        """Supply a missing parameter or connection string; waiting resources then continue."""
        resource = self.model.get(name)
        if not isinstance(resource, ConfiguredValueResource):
            raise ValueError(
                f"resource '{name}' is a {resource.resource_type}, not a parameter or connection string"
            )
        self._accept_value(resource, value)
        return self.snapshots.publish(
            name,
            state=ResourceState.RUNNING,
            state_message=None,
            health_status=HealthStatus.HEALTHY,
            properties=(("value", MASK if resource.is_secret else value),),
        )

    def publish(self, name: str) -> None:
        """Publish the resource's snapshot from its runner's current state."""
        runner = self.runners[name]
        replicas = tuple(runner.replicas.values())
        state = runner.state
        self._follow_health(runner, state)
        started = [r.started_at for r in replicas if r.started_at]
        stopped = [r.stopped_at for r in replicas if r.stopped_at]
        message = runner.message
        if message is None and state == ResourceState.FAILED_TO_START:
            message = next((r.message for r in replicas if r.message), None)
        current = self.snapshots.get(name)
        provisional = dataclasses.replace(
            current,
            state=state,
            state_message=message,
            exit_code=aggregate_exit_code(replicas) if state not in (ResourceState.RUNNING, ResourceState.STARTING) else None,
            replicas=replicas,
            env=runner.env_shown,
            started_at=min(started) if started else None,
            stopped_at=max(stopped) if stopped and len(stopped) == len(replicas) else None,
            health_status=self._health_status(runner.resource, state),
            health_reports=self._reports.get(name, ()) if state == ResourceState.RUNNING else (),
            restart_count=runner.restart_count,
            properties=runner.properties() or current.properties,
        )
        custom = runner.resource.annotations_of(CommandAnnotation)
        commands = command_snapshots(provisional, custom, with_built_ins=True, errors=runner.command_errors)
        self.snapshots.publish_snapshot(dataclasses.replace(provisional, commands=commands))

    def _health_status(self, resource: RunnableResource, state: ResourceState) -> HealthStatus | None:
        if state != ResourceState.RUNNING:
            return None
        if not resource.annotations_of(HealthCheckAnnotation):
            return HealthStatus.HEALTHY
        reports = self._reports.get(resource.name, ())
        if not reports or any(r.status != HealthStatus.HEALTHY for r in reports):
            return HealthStatus.UNHEALTHY
        return HealthStatus.HEALTHY

    def _follow_health(self, runner: ResourceRunner, state: ResourceState) -> None:
        """Run the resource's health monitor exactly while it is Running."""
        name = runner.name
        if not runner.resource.annotations_of(HealthCheckAnnotation):
            return
        task = self._health.get(name)
        if state == ResourceState.RUNNING and task is None and self._tg is not None and not self.shutting_down:

            def replicas() -> list[Replica]:
                return [Replica(n, i) for n, i in runner.running_replicas()]

            def on_reports(reports: tuple[HealthReport, ...]) -> None:
                self._reports[name] = reports
                self.publish(name)

            monitor = HealthMonitor(
                runner.resource,
                self.addresses,
                self.orchestrator.logs,
                replicas,
                on_reports,
                self._http,
                self._exec_in,
            )
            self._health[name] = self.spawn(monitor.run(), f"health-{name}")
        elif state != ResourceState.RUNNING and task is not None:
            task.cancel()
            del self._health[name]
            self._reports.pop(name, None)

    # -- containers ----------------------------------------------------------------------------

    def _create_container_objects(self) -> None:
        """One network for the run's containers (a persistent one when any container is
        persistent, so they keep their network when the app host stops) and each named volume."""
        containers = [r for r in self.model.resources if isinstance(r, ContainerResource)]
        if not containers:
            return
        persistent = any(c.persistent for c in containers)
        network_name = f"pyspire-{self.app_key}" if persistent else f"pyspire-{self.run_id.lower()}"
        labels = {LABEL_APP: self.app_key} if persistent else {LABEL_RUN: self.run_id}
        self.container_network = "network"
        store = self.orchestrator.store
        store.create(new_network("network", network_name=network_name, persistent=persistent, labels=labels))
        volumes = {m.source for c in containers for m in c.mounts if m.kind == "volume" and m.source}
        for volume in sorted(volumes):
            store.create(new_volume(f"volume-{volume}", volume_name=volume, labels={LABEL_APP: self.app_key}))

    async def container_setup(self, persistent: bool) -> ContainerSetup:
        """The engine (once it answers) and the network's name; raises :class:`ContainerUnavailable`.
        The Container controller waits for the network itself, while it gets the image."""
        task = self._container_setup.get(persistent)
        if task is None:
            task = self._container_setup[persistent] = asyncio.ensure_future(self._setup(persistent))
        return await asyncio.shield(task)

    async def _setup(self, persistent: bool) -> ContainerSetup:
        try:
            runtime = await self.orchestrator.engines.get()
        except NoContainerEngine as exc:
            raise ContainerUnavailable(str(exc)) from None
        network = self.orchestrator.store.find(CONTAINER_NETWORK, self.container_network or "")
        labels = {LABEL_APP: self.app_key} if persistent else {LABEL_RUN: self.run_id}
        return ContainerSetup(runtime.host_alias, network["spec"]["networkName"] if network else None, labels)

    async def _exec_in(self, replica: str, argv: Sequence[str], timeout: float) -> tuple[int, str]:
        """Run ``argv`` inside a container replica (exec health checks)."""
        obj = self.orchestrator.store.find(CONTAINER, replica)
        runtime = self.orchestrator.engines.runtime
        container_id = obj["status"].get("containerId") if obj else None
        if not container_id or runtime is None:
            raise RuntimeError("the container is not running")
        return await runtime.exec(container_id, argv, timeout)

    # -- services ------------------------------------------------------------------------------

    def _host_port(self, resource: RunnableResource, endpoint_name: str, protocol: str) -> int:
        """A host port for a container's proxied endpoint; the same on every run if persistent."""
        ports = self.orchestrator.ports
        if isinstance(resource, ContainerResource) and resource.persistent:
            port = self.persistent_ports.port_for(
                f"{resource.name}/{endpoint_name}", lambda: ports.allocate("127.0.0.1", protocol)
            )
            ports.claim(port)
            return port
        return ports.allocate("127.0.0.1", protocol)

    def _create_services(self) -> None:
        self._create_container_objects()
        store = self.orchestrator.store
        ports = self.orchestrator.ports
        taken: set[str] = set()
        for runner in self.runners.values():
            resource = runner.resource
            is_container = isinstance(resource, ContainerResource)
            for endpoint in resource.endpoints:
                service = f"{resource.name}-{endpoint.name}"
                base, n = service, 1
                while service in taken:
                    n += 1
                    service = f"{base}-{n}"
                taken.add(service)
                if is_container and endpoint.proxied:
                    targets = [self._host_port(resource, endpoint.name, endpoint.protocol)]
                    service_port = endpoint.port or 0
                elif endpoint.proxied:
                    targets = [
                        endpoint.target_port or ports.allocate(endpoint.bind_host, endpoint.protocol)
                        for _ in range(resource.replicas)
                    ]
                    service_port = endpoint.port or 0
                else:
                    port = (
                        endpoint.port
                        or endpoint.target_port
                        or ports.allocate(endpoint.bind_host, endpoint.protocol)
                    )
                    targets = [port]
                    service_port = port
                allocation = EndpointAllocation(
                    resource, endpoint, service, targets, container_port=endpoint.target_port if is_container else None
                )
                if service_port:
                    allocation.port.set_result(service_port)
                self.addresses.add(allocation)
                store.create(
                    new_service(
                        service,
                        resource=resource.name,
                        endpoint=endpoint.name,
                        protocol=endpoint.protocol,
                        address="localhost",
                        port=service_port,
                        proxied=endpoint.proxied,
                        # Containers reach host services through the proxy on the network gateway.
                        container_network=None if is_container else self.container_network,
                    )
                )
            self._publish_urls(resource.name)

    def _publish_urls(self, name: str) -> None:
        urls = tuple(
            Url(a.endpoint.name, f"{a.endpoint.scheme}://localhost:{a.port.result()}")
            for a in self.addresses.for_resource(name)
            if a.port.done() and not a.port.exception()
        )
        self.snapshots.publish(name, urls=urls)

    async def _watch_services(self) -> None:
        async for event in self.orchestrator.store.watch(SERVICE):
            status = event.object.get("status", {})
            name = event.name
            if status.get("state") == "Ready":
                self.addresses.service_ready(name, int(status["effectivePort"]))
                self.addresses.mark_bound(name)
            elif status.get("state") == "Failed":
                self.addresses.service_failed(name, str(status.get("message", "failed")))
            owner = event.object["metadata"]["labels"].get(LABEL_RESOURCE)
            if owner in self.runners:
                self._publish_urls(owner)

    async def _watch_replicas(self, kind: str) -> None:
        async for event in self.orchestrator.store.watch(kind):
            runner = self.runners.get(event.object["metadata"]["labels"].get(LABEL_RESOURCE))
            if runner is not None:
                runner.on_replica(event.object, deleted=event.type == "DELETED")

    # -- commands ------------------------------------------------------------------------------

    async def execute_command(self, resource: str, command: str) -> CommandResult:
        """Run a command (start, stop, restart, or a custom one) by name, as the CLI and dashboard do."""
        runner = self.runners.get(resource)
        if runner is None:
            if resource in {s.name for s in self.snapshots.all()}:
                return CommandResult.failure(f"resource '{resource}' has no commands")
            return CommandResult.failure(f"no resource named '{resource}'")
        snapshot = self.snapshots.get(resource)
        commands = {c.name: c for c in snapshot.commands}
        found = commands.get(command)
        if found is None:
            return CommandResult.failure(
                f"resource '{resource}' has no command '{command}' (available: {', '.join(commands)})"
            )
        if found.state != "enabled":
            return CommandResult.failure(
                f"command '{command}' is {found.state} while '{resource}' is {snapshot.state}"
            )
        result: CommandResult
        if command in ("start", "stop", "restart"):
            result = await getattr(runner, command)()
        else:
            annotation = next(c for c in runner.resource.annotations_of(CommandAnnotation) if c.name == command)
            logger = CommandLogger(self.orchestrator.logs, resource, command)
            result = await run_custom(annotation, CommandContext(resource, snapshot, logger, self.stopping))
        # The message (the user's, an exception's, a failed start's) can quote a value the
        # resource was given.
        message = self.orchestrator.redactor.mask(result.message) if result.message else None
        return CommandResult(result.success, message)
