"""The executor: runs the app model through resource handlers and publishes snapshots.

A small coordinator. For each resource it makes a handler from the registry
(:mod:`pyspire.executor.handlers`; executables and containers get runners, values a value
handler, an integration's class its own handler), plans Services and ports
(:mod:`~pyspire.executor.service_planning`) and the containers' network
(:mod:`~pyspire.executor.container_setup`), supervises health and dispatches lifecycle events by
reacting to snapshots (:mod:`~pyspire.executor.health_supervision`,
:mod:`~pyspire.executor.event_dispatch`), builds snapshots (:mod:`~pyspire.executor.snapshot_building`)
and dispatches commands (:mod:`~pyspire.executor.command_dispatch`). It never touches processes
or sockets itself: that is the controllers' job.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pyspire.executor.builtin_handlers as builtin_handlers
from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.command_dispatch import CommandDispatcher
from pyspire.executor.commands import CommandResult, PredicateErrors
from pyspire.executor.configuration import Configuration
from pyspire.executor.container_launch import ContainerSetup
from pyspire.executor.container_setup import ContainerSetups
from pyspire.executor.environment import TelemetryEnv, no_telemetry
from pyspire.executor.event_dispatch import EventDispatcher
from pyspire.executor.handlers import HandlerContext, HandlerRegistry, ResourceHandler, resource_handlers
from pyspire.executor.health import CheckContext, HealthMonitor, Replica, SharedHttpClient
from pyspire.executor.health_supervision import HealthSupervisor
from pyspire.executor.model_facts import is_hidden, relationships_of
from pyspire.executor.persistent_ports import PersistentPorts
from pyspire.executor.resolution import ConfiguredValues, ResolutionContext
from pyspire.executor.runner import ResourceRunner
from pyspire.executor.service_planning import ServicePlanner
from pyspire.executor.shutdown_order import Deletions, StopOrder
from pyspire.executor.snapshot_building import (
    health_status,
    output_properties,
    runner_snapshot,
    with_commands,
    with_outputs,
)
from pyspire.executor.snapshots import HealthReport, ResourceSnapshot, SnapshotHub
from pyspire.model.builder import AppModel
from pyspire.model.lifecycle_validation import monitored_checks
from pyspire.model.names import app_key, random_suffix
from pyspire.model.resources import Resource
from pyspire.orchestrator.objects import CONTAINER, EXECUTABLE, LABEL_RESOURCE
from pyspire.orchestrator.orchestrator import Orchestrator
from pyspire.runtime.state_dir import StateDir
from pyspire.states import ResourceState

log = logging.getLogger(__name__)

#: How long a shutdown step waits beyond its grace period before the next one goes ahead anyway
#: (a container engine under load takes seconds to stop and remove a container).
STOP_STEP_MARGIN = 15.0


class Executor:
    def __init__(
        self,
        model: AppModel,
        orchestrator: Orchestrator,
        configuration: Configuration,
        telemetry: TelemetryEnv = no_telemetry,
        run_id: str | None = None,
        handlers: HandlerRegistry = resource_handlers,
    ) -> None:
        self.model = model
        self.run_id = run_id or random_suffix()
        #: Identifies the app host across runs (persistent containers and their network).
        self.app_key = app_key(model.app_dir)
        self.secrets_dir = StateDir.of(model.app_dir).run_secrets(self.run_id)
        self.orchestrator = orchestrator
        self.configuration = configuration
        self.telemetry = telemetry
        self.snapshots = SnapshotHub(orchestrator.redactor)
        self._declare_resources()
        self.addresses = EndpointAddresses()
        self.values = ConfiguredValues()
        self.registry = handlers
        handlers.check(model.resources)
        #: Every resource's handler, by name (with its resource).
        self.handlers: dict[str, tuple[Resource, ResourceHandler]] = {}
        #: The handlers that run processes or containers (their replicas are watched here).
        self.runners: dict[str, ResourceRunner] = {}
        self.shutting_down = False
        self.stopping = asyncio.Event()
        self._built_ins: dict[str, bool] = {}
        self._command_errors: dict[str, PredicateErrors] = {}
        self._secret_outputs: dict[str, set[str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._tg: asyncio.TaskGroup | None = None
        self._http = SharedHttpClient()
        self._deletions = Deletions()
        self.containers = ContainerSetups(orchestrator, self.app_key, self.run_id)
        self.services = ServicePlanner(
            orchestrator, self.addresses, self.snapshots, PersistentPorts(StateDir.of(model.app_dir).root)
        )
        self.health = HealthSupervisor(
            {r.name for r in model.resources if monitored_checks(r)},
            self._monitor_for,
            self._republish,
            self.spawn,
            lambda: self.shutting_down,
        )
        self.events = EventDispatcher(model, orchestrator.logs)
        self.commands = CommandDispatcher(
            self.handlers, self.snapshots, orchestrator.logs, orchestrator.redactor, self.stopping
        )

    # -- lifecycle -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Executor]:
        """Start every resource; leaving cancels the executor's own tasks (the orchestrator's
        teardown stops the processes)."""
        self._create_handlers()
        self.containers.create_objects(self.model.resources)
        served = [r for r, _ in self.handlers.values() if r.name not in self.runners and r.endpoints]
        self.services.create_services(
            [r.resource for r in self.runners.values()] + served, self.containers.network
        )
        health = self.health.follow(self.snapshots)
        events = self.events.follow(self.snapshots)
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            self.spawn(self._watch_replicas(EXECUTABLE), "executor-watch-executables")
            self.spawn(self._watch_replicas(CONTAINER), "executor-watch-containers")
            self.spawn(self.services.watch_services(), "executor-watch-services")
            if health is not None:
                self.spawn(health, "executor-health")
            if events is not None:
                self.spawn(self.events.dispatch(events), "executor-events")
            try:
                await self.events.before_app_start()
                for _, handler in self.handlers.values():
                    handler.begin()
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

    async def shutdown(self) -> None:
        """Stop every resource in reverse dependency order (:mod:`~pyspire.executor.shutdown_order`),
        while the executor still watches, so the final snapshots say how each ended; then the
        orchestrator tears down the rest. Controllers that fail meanwhile end the ordering: the
        orchestrator's teardown then kills what is left at once."""
        self.begin_shutdown()
        ordered = asyncio.ensure_future(StopOrder(self.model.resources).run(self._stop_replicas))
        failed = asyncio.ensure_future(self.orchestrator.failed.wait())
        try:
            await asyncio.wait({ordered, failed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (ordered, failed):
                task.cancel()
            await asyncio.gather(ordered, failed, return_exceptions=True)
        await self.orchestrator.stop_all()

    async def _stop_replicas(self, names: frozenset[str]) -> None:
        """One shutdown step: delete the replica objects of ``names`` (their controllers stop
        them: stop signal, grace period, SIGKILL) and return once they are gone — or, should a
        DELETED event never be seen, a little after their grace: the teardown still waits."""
        store, gone, grace = self.orchestrator.store, [], 0.0
        for runner in (self.runners[name] for name in names if name in self.runners):
            grace = max(grace, runner.resource.stop_grace_period)
            for replica in list(runner.core.replicas.index):
                if store.exists(runner.kind, replica):
                    gone.append(self._deletions.expect(runner.kind, replica))
                    store.delete(runner.kind, replica)
        # A resource its own handler runs (a database with no process) is stopped through the
        # handler, so its final snapshot says it ended instead of showing it Running.
        handled = [
            self.handlers[name][1].stop()
            for name in names
            if name not in self.runners and name in self.handlers and self._built_ins.get(name)
        ]
        if handled:
            gone.append(self.spawn(self._stop_handled(handled), "shutdown-handlers"))
        if gone:
            await asyncio.wait(gone, timeout=grace + STOP_STEP_MARGIN)

    async def _stop_handled(self, stops: list[Coroutine[Any, Any, CommandResult]]) -> None:
        """The handlers' stops of one step, together; what one raises is its resource's error."""
        await asyncio.gather(*stops, return_exceptions=True)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Start a task owned by the executor (cancelled when it stops)."""
        assert self._tg is not None, "the executor is not running"
        task = self._tg.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def before_start(self, resource: Resource) -> None:
        await self.events.before_resource_start(resource)

    # -- handlers ------------------------------------------------------------------------------

    def _declare_resources(self) -> None:
        """Every resource's first snapshot (NotStarted), from the start: the control API serves
        while the app host services start, before :meth:`running`, and a client asking then
        (``pyspire start`` waiting until everything is up) must see what is to come, not an
        empty app that looks all up."""
        for resource in self.model.resources:
            self.snapshots.add(
                ResourceSnapshot(
                    resource.name,
                    resource.resource_type,
                    relationships=relationships_of(resource),
                    hidden=is_hidden(resource),
                )
            )

    def _create_handlers(self) -> None:
        for resource in self.model.resources:
            registration = self.registry.find(type(resource))
            assert registration is not None  # checked when the executor was made
            self._built_ins[resource.name] = registration.built_in_commands
            self._command_errors[resource.name] = PredicateErrors(self.orchestrator.logs, resource.name)
            self.orchestrator.logs.configure(
                resource.name, getattr(resource, "log_buffer_lines", None) or self.model.log_buffer_lines
            )
            handler = registration.factory(resource, HandlerContext(resource, self))
            self.handlers[resource.name] = (resource, handler)
            if isinstance(handler, ResourceRunner):
                self.runners[resource.name] = handler
                self.publish(resource.name)
            else:
                self.publish_changes(resource.name, {})

    def _monitor_for(
        self, name: str, on_reports: Callable[[tuple[HealthReport, ...]], None]
    ) -> HealthMonitor:
        """The health monitor of any resource with checks: a runner's probes its replicas; one
        a handler runs has none, and runs only its custom checks."""
        resource, _ = self.handlers[name]
        runner = self.runners.get(name)

        def replicas() -> list[Replica]:
            return [Replica(n, i) for n, i in runner.running_replicas()] if runner is not None else []

        return HealthMonitor(
            resource,
            self.addresses,
            self.orchestrator.logs,
            replicas,
            on_reports,
            self._http,
            self.containers.exec_in,
            CheckContext(
                resource,
                lambda: ResolutionContext(resource, self.addresses, self.values, lambda what: None),
                self.orchestrator.redactor.add,
                lambda text: self.orchestrator.logs.system(name, text),
                lambda output, value, secret: self.set_output(resource, output, value, secret),
            ),
            monitored_checks(resource),
        )

    def _republish(self, name: str) -> None:
        """New health reports: publish the resource again, by whoever builds its snapshot."""
        if name in self.runners:
            self.publish(name)
        else:
            self.publish_changes(name, {})

    # -- snapshots -----------------------------------------------------------------------------

    def _outputs(self, name: str) -> tuple[tuple[str, str], ...]:
        return output_properties(
            self.values.outputs.known(name), frozenset(self._secret_outputs.get(name, ()))
        )

    def publish(self, name: str) -> None:
        """Publish a runner's resource snapshot from the runner's current state."""
        runner = self.runners[name]
        has_checks = self.health.supervises(name)
        snapshot = runner_snapshot(
            self.snapshots.get(name), runner, has_checks, self.health.reports(name), self._outputs(name)
        )
        self.snapshots.publish_snapshot(with_commands(snapshot, runner.resource, True, runner.command_errors))

    def publish_changes(self, name: str, changes: dict[str, Any]) -> ResourceSnapshot:
        """Publish a handler's changes to its resource's snapshot (outputs stay listed)."""
        resource, _ = self.handlers[name]
        current = self.snapshots.get(name)
        if "properties" in changes or self.values.outputs.known(name):
            changes["properties"] = with_outputs(
                changes.get("properties", current.properties), self._outputs(name)
            )
        snapshot = dataclasses.replace(current, **changes)
        if self.health.supervises(name):
            # Its checks decide its health (as a runner's do), whatever the handler published.
            reports = self.health.reports(name)
            snapshot = dataclasses.replace(
                snapshot,
                health_status=health_status(snapshot.state, True, reports),
                health_reports=reports if snapshot.state == ResourceState.RUNNING else (),
            )
        built_ins = self._built_ins[name]
        return self.snapshots.publish_snapshot(
            with_commands(snapshot, resource, built_ins, self._command_errors[name])
        )

    def set_output(self, resource: Resource, name: str, value: str, secret: bool) -> None:
        if secret:
            self.orchestrator.redactor.add([value])
            self._secret_outputs.setdefault(resource.name, set()).add(name)
        self.values.outputs.set(resource.name, name, value)
        if resource.name in self.runners:
            self.publish(resource.name)
        else:
            self.publish_changes(resource.name, {})

    def set_value(self, name: str, value: str, save: bool = False) -> ResourceSnapshot:
        """Supply a missing parameter or connection string; waiting resources then continue.
        ``save``: keep it in the settings file for the next runs too."""
        resource, handler = self.handlers[name] if name in self.handlers else (self.model.get(name), None)
        if not isinstance(handler, builtin_handlers.ConfiguredValueHandler):
            raise ValueError(
                f"resource '{name}' is a {resource.resource_type}, not a parameter or connection string"
            )
        handler.supply(value, save)
        return self.snapshots.get(name)

    async def container_setup(self, persistent: bool) -> ContainerSetup:
        """The engine and the network (see :class:`ContainerSetups`); for container runners."""
        return await self.containers.setup(persistent)

    async def _watch_replicas(self, kind: str) -> None:
        async for event in self.orchestrator.store.watch(kind):
            if event.type == "DELETED":
                self._deletions.deleted(kind, event.name)
            runner = self.runners.get(event.object["metadata"]["labels"].get(LABEL_RESOURCE))
            if runner is not None:
                runner.on_replica(event.object, deleted=event.type == "DELETED")

    # -- commands ------------------------------------------------------------------------------

    async def execute_command(self, resource: str, command: str) -> CommandResult:
        """Run a command (start, stop, restart, or a custom one) by name, as the CLI and dashboard do."""
        return await self.commands.execute(resource, command)
