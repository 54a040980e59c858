"""The executor: renders the app model into orchestrator objects and publishes snapshots.

It owns one task per executable resource (resolve its values, waiting where needed, then create
one Executable per replica) and two watch tasks that turn Executable and Service status into
resource snapshots. It never touches processes or sockets itself: that is the controllers' job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from pyspire.executor.addresses import EndpointAddresses, EndpointAllocation, EndpointFailed
from pyspire.executor.configuration import Configuration
from pyspire.executor.environment import TelemetryEnv, mask_secrets, no_telemetry, resolve_launch
from pyspire.executor.resolution import ConfiguredValues, ResolutionContext
from pyspire.executor.snapshots import MASK, Relationship, ReplicaSnapshot, ResourceSnapshot, SnapshotHub, Url
from pyspire.executor.states import aggregate_exit_code, aggregate_state, replica_state
from pyspire.model.annotations import ReferenceAnnotation
from pyspire.model.builder import AppModel
from pyspire.model.errors import ResolutionError
from pyspire.model.names import random_suffix
from pyspire.model.resources import ConfiguredValueResource, ExecutableResource, Resource
from pyspire.orchestrator.objects import (
    EXECUTABLE,
    LABEL_RESOURCE,
    SERVICE,
    ServedPort,
    new_executable,
    new_service,
)
from pyspire.orchestrator.orchestrator import Orchestrator
from pyspire.orchestrator.store import Obj

log = logging.getLogger(__name__)

#: Shorter secrets are masked in snapshots but not searched for in output: masking every "1" or
#: "ab" in every log line would garble the output without protecting anything.
MIN_REDACTED_LENGTH = 4


class Executor:
    def __init__(
        self,
        model: AppModel,
        orchestrator: Orchestrator,
        configuration: Configuration,
        telemetry: TelemetryEnv = no_telemetry,
    ) -> None:
        self.model = model
        self.orchestrator = orchestrator
        self.configuration = configuration
        self.telemetry = telemetry
        self.snapshots = SnapshotHub()
        self.addresses = EndpointAddresses()
        self.values = ConfiguredValues()
        self._phase: dict[str, str] = {}
        self._replicas: dict[str, dict[str, ReplicaSnapshot]] = {}
        self._secrets: dict[str, set[str]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Executor]:
        """Start every resource; leaving stops the executor's own tasks (the orchestrator's
        teardown stops the processes)."""
        self._publish_initial_snapshots()
        self._create_services()
        async with asyncio.TaskGroup() as tg:
            self._tasks = [
                tg.create_task(self._watch_executables(), name="executor-watch-executables"),
                tg.create_task(self._watch_services(), name="executor-watch-services"),
            ]
            for resource in self._executables():
                self._tasks.append(
                    tg.create_task(self._start_resource(resource), name=f"start-{resource.name}")
                )
            try:
                yield self
            finally:
                for task in self._tasks:
                    task.cancel()

    def _executables(self) -> list[ExecutableResource]:
        return [r for r in self.model.resources if isinstance(r, ExecutableResource)]

    # -- snapshots -----------------------------------------------------------------------------

    def _publish_initial_snapshots(self) -> None:
        for resource in self.model.resources:
            relationships = tuple(
                Relationship(ref.target.name, "Reference")
                for ref in resource.annotations_of(ReferenceAnnotation)
            )
            snapshot = ResourceSnapshot(resource.name, resource.resource_type, relationships=relationships)
            if isinstance(resource, ConfiguredValueResource):
                snapshot = self._configured_snapshot(resource, snapshot)
            self.snapshots.add(snapshot)
            if isinstance(resource, ExecutableResource):
                self._phase[resource.name] = "NotStarted"
                self._replicas[resource.name] = {}
                self.orchestrator.logs.configure(
                    resource.name, resource.log_buffer_lines or self.model.log_buffer_lines
                )

    def _configured_snapshot(
        self, resource: ConfiguredValueResource, snapshot: ResourceSnapshot
    ) -> ResourceSnapshot:
        self.values.how_to_supply[resource.name] = self.configuration.how_to_supply(resource)
        value = self.configuration.value_for(resource)
        if value is None:
            return ResourceSnapshot(
                resource.name,
                resource.resource_type,
                state="ValueMissing",
                state_message=f"no value: {self.configuration.how_to_supply(resource)}",
            )
        self.values.set(resource.name, value)
        if resource.is_secret and len(value) >= MIN_REDACTED_LENGTH:
            self.orchestrator.logs.redact([value])
        shown = MASK if resource.is_secret else value
        return ResourceSnapshot(
            resource.name,
            resource.resource_type,
            state="Running",
            properties=(("value", shown),),
            relationships=snapshot.relationships,
        )

    def set_value(self, name: str, value: str) -> ResourceSnapshot:
        """Supply a missing parameter or connection string; waiting resources then continue."""
        resource = self.model.get(name)
        if not isinstance(resource, ConfiguredValueResource):
            raise ValueError(
                f"resource '{name}' is a {resource.resource_type}, not a parameter or connection string"
            )
        self.values.set(name, value)
        if resource.is_secret and len(value) >= MIN_REDACTED_LENGTH:
            self.orchestrator.logs.redact([value])
        return self.snapshots.publish(
            name,
            state="Running",
            state_message=None,
            properties=(("value", MASK if resource.is_secret else value),),
        )

    def _publish_resource(self, name: str, **changes: object) -> None:
        replicas = tuple(self._replicas[name].values())
        expected = self.model.get(name).replicas  # type: ignore[attr-defined]
        phase = self._phase[name]
        state = phase if phase == "FailedToStart" else aggregate_state(replicas, expected, phase)
        started = [r.started_at for r in replicas if r.started_at]
        stopped = [r.stopped_at for r in replicas if r.stopped_at]
        self.snapshots.publish(
            name,
            state=state,
            replicas=replicas,
            exit_code=aggregate_exit_code(replicas),
            started_at=min(started) if started else None,
            stopped_at=max(stopped) if stopped and len(stopped) == len(replicas) else None,
            **changes,
        )

    # -- services ------------------------------------------------------------------------------

    def _create_services(self) -> None:
        store = self.orchestrator.store
        ports = self.orchestrator.ports
        taken: set[str] = set()
        for resource in self._executables():
            for endpoint in resource.endpoints:
                service = f"{resource.name}-{endpoint.name}"
                base, n = service, 1
                while service in taken:
                    n += 1
                    service = f"{base}-{n}"
                taken.add(service)
                if endpoint.proxied:
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
                allocation = EndpointAllocation(resource, endpoint, service, targets)
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
                    )
                )
        for resource in self._executables():
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
                message = str(status.get("message", "failed"))
                self.addresses.service_failed(name, message)
            owner = event.object["metadata"]["labels"].get(LABEL_RESOURCE)
            if owner in self._replicas:
                self._publish_urls(owner)

    # -- starting resources --------------------------------------------------------------------

    def _on_wait(self, resource: Resource, what: str) -> None:
        self.orchestrator.logs.system(resource.name, what)
        self._phase[resource.name] = "Waiting"
        self._publish_resource(resource.name, state_message=what)

    async def _start_resource(self, resource: ExecutableResource) -> None:
        name = resource.name
        self._phase[name] = "Starting"
        self._publish_resource(name, state_message=None)
        secrets: set[str] = set()
        try:
            for allocation in self.addresses.for_resource(name):
                await allocation.bound
            for index in range(resource.replicas):
                suffix = random_suffix()
                ctx = ResolutionContext(
                    resource, self.addresses, self.values, lambda what: self._on_wait(resource, what), index
                )
                launch = await resolve_launch(resource, ctx, self.addresses, index, suffix, self.telemetry)
                secrets |= launch.secrets
                self.orchestrator.logs.redact(s for s in secrets if len(s) >= MIN_REDACTED_LENGTH)
                self._secrets[name] = secrets
                if self._phase[name] == "Waiting":
                    self._phase[name] = "Starting"
                    self._publish_resource(name, state_message=None)
                self._create_replica(resource, index, suffix, launch.args, launch.env)
                if index == 0:
                    self._publish_resource(name, env=launch.shown_env)
        except (ResolutionError, EndpointFailed, TypeError, ValueError) as exc:
            message = mask_secrets(f"cannot start: {exc}", secrets)
            self.orchestrator.logs.system(name, message)
            self._phase[name] = "FailedToStart"
            self._publish_resource(name, state_message=message)

    def _create_replica(
        self, resource: ExecutableResource, index: int, suffix: str, args: list[str], env: dict[str, str]
    ) -> None:
        replica_name = f"{resource.name}-{suffix}"
        ports: list[ServedPort] = [
            ServedPort(
                service=a.service_name,
                address="127.0.0.1"
                if a.endpoint.bind_host in ("localhost", "0.0.0.0")
                else a.endpoint.bind_host,
                port=a.target_ports[index],
                protocol=a.endpoint.protocol,
                mustBeFree=not a.endpoint.proxied and a.endpoint.port is not None,
            )
            for a in self.addresses.for_resource(resource.name)
        ]
        self._replicas[resource.name][replica_name] = ReplicaSnapshot(replica_name, suffix, "Starting")
        self.orchestrator.store.create(
            new_executable(
                replica_name,
                resource=resource.name,
                command=resource.command,
                args=args,
                env=env,
                working_directory=str(resource.working_dir),
                grace_period_seconds=resource.stop_grace_period,
                ports=ports,
            )
        )

    # -- following replicas --------------------------------------------------------------------

    async def _watch_executables(self) -> None:
        async for event in self.orchestrator.store.watch(EXECUTABLE):
            resource = event.object["metadata"]["labels"].get(LABEL_RESOURCE)
            if resource not in self._replicas:
                continue
            self._replicas[resource][event.name] = self._replica_snapshot(event.object)
            message = None
            if self._phase[resource] != "FailedToStart":
                failures = [r.message for r in self._replicas[resource].values() if r.message]
                message = failures[0] if failures else None
            self._publish_resource(resource, state_message=message)

    @staticmethod
    def _replica_snapshot(obj: Obj) -> ReplicaSnapshot:
        status = obj.get("status", {})
        name = obj["metadata"]["name"]
        exit_code = status.get("exitCode")
        return ReplicaSnapshot(
            name=name,
            suffix=name.rsplit("-", 1)[-1],
            state=replica_state(status.get("state"), exit_code),
            pid=status.get("pid"),
            exit_code=exit_code,
            started_at=status.get("startupTimestamp"),
            stopped_at=status.get("finishTimestamp"),
            message=status.get("message"),
        )
