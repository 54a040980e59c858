"""The cloud resources at run time: the environment's handler resolves its configuration, builds
the environment's one :class:`ProvisioningController` and submits ``EnsureProvisioned``; each cloud
resource's handler follows the controller's status board and publishes its snapshot (state,
message, identity properties) and, once provisioned, its outputs as run-time outputs.

Both handlers are registered at import (``import pyspire.provisioning`` is enough)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pyspire.extensions import ResourceHandlerBase, resource_handlers
from pyspire.model import Resource
from pyspire.provisioning.controller import ProvisioningController
from pyspire.provisioning.errors import MissingConfiguration
from pyspire.provisioning.intents import EnsureProvisioned
from pyspire.provisioning.model import (
    REGION_OUTPUT,
    SCOPE_FIELDS,
    CloudEnvironmentResource,
    CloudResource,
    setting_of,
)
from pyspire.provisioning.presentation import Shown, shown_environment, shown_resource
from pyspire.provisioning.runtime import runtime_of
from pyspire.provisioning.spec import Scope
from pyspire.provisioning.state import deployments_file
from pyspire.provisioning.states import EnvironmentState, ProvisioningState
from pyspire.provisioning.status import StatusEvent


def _publish(handler: ResourceHandlerBase, shown: Shown, properties: list[tuple[str, str]] | None = None) -> None:
    extra: dict[str, Any] = {} if properties is None else {"properties": properties}
    handler.ctx.publish(state=shown.state, message=shown.message, health=shown.health, **extra)


class EnvironmentHandler(ResourceHandlerBase):
    """Resolves account/region/group, builds and starts the controller, provisions."""

    resource: CloudEnvironmentResource

    async def on_start(self) -> None:
        env = self.resource
        runtime = runtime_of(env)
        configured = {f: v for f, v in env.values.items() if not isinstance(v, str)}
        values = {f: v for f, v in env.values.items() if isinstance(v, str)}
        # A value is missing exactly when resolving it would wait (a parameter nobody set): asked
        # without waiting, so a slow machine never mistakes a configured value for a missing one.
        for field, provider in configured.items():
            ready = await self.ctx.resolve_if_ready(provider)
            if ready is not None:
                values[field] = ready
        pending = {f: asyncio.ensure_future(self.ctx.resolve(v)) for f, v in configured.items() if f not in values}
        required = {f: setting_of(v) for f, v in configured.items()}
        if pending:  # let them say what they wait for first: "missing configuration" is shown after
            await asyncio.sleep(0)
        scope = Scope(env.name, values.get("account", ""), values.get("region", ""), values.get("group", ""))
        if env.scope_resolver is not None and not pending:
            scope = await env.scope_resolver(scope, deployments_file(env.state_root, env.name))
        try:
            controller = ProvisioningController(
                scope,
                [r.spec for r in env.cloud_resources],
                env.backend_factory(scope),
                deployments_file(env.state_root, env.name),
                drift_interval=env.drift_interval,
                required=required,
            )
        except BaseException as e:  # a bad backend or model: its resources must not wait forever
            for task in pending.values():
                task.cancel()
            runtime.error = e
            runtime.ready.set()
            raise
        controller.board.subscribe(self._on_status)
        runtime.controller = controller
        runtime.ready.set()
        controller.start()
        self._show_environment(controller)
        await self._provision(controller)
        if pending:
            self.ctx.spawn(self._when_configured(controller, pending), "configured")

    async def _provision(self, controller: ProvisioningController) -> None:
        """Submit the first pass; its failures show on the resources, not on the app host."""
        future = controller.submit(EnsureProvisioned())
        future.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def _when_configured(self, controller: ProvisioningController, pending: Mapping[str, asyncio.Future[str]]) -> None:
        """Once the user supplies the missing values (``pyspire parameter set``), provision."""
        for field, value in pending.items():
            controller.scope = replace(controller.scope, **{field: await value})  # type: ignore[arg-type]
        env = self.resource
        if env.scope_resolver is not None:
            controller.scope = await env.scope_resolver(controller.scope, deployments_file(env.state_root, env.name))
        await self._provision(controller)

    def _on_status(self, event: StatusEvent) -> None:
        if event.environment:
            self._show_environment_event(event)

    def _show_environment(self, controller: ProvisioningController) -> None:
        board = controller.board
        missing = controller.missing_configuration()
        if missing:
            error = MissingConfiguration(self.resource.name, missing)
            _publish(self, shown_environment(EnvironmentState.MISSING_CONFIGURATION, f"set {', '.join(missing)}"))
            self.ctx.log(str(error))
            return
        _publish(self, shown_environment(board.environment, board.environment_message), self._identity(controller))

    def _show_environment_event(self, event: StatusEvent) -> None:
        controller = runtime_of(self.resource).controller
        state = EnvironmentState(event.state)
        _publish(self, shown_environment(state, event.message), self._identity(controller) if controller else None)

    @staticmethod
    def _identity(controller: ProvisioningController) -> list[tuple[str, str]]:
        scope = controller.scope
        return [(f, getattr(scope, f)) for f in SCOPE_FIELDS if getattr(scope, f)]

    async def on_stop(self) -> None:
        """Stop the controller; deployments in flight keep running (the next run re-attaches)."""
        runtime = runtime_of(self.resource)
        if runtime.controller is not None:
            await runtime.controller.stop()
        self.resource.runtime = None


class CloudResourceHandler(ResourceHandlerBase):
    """Shows the controller's status of one cloud resource and publishes its outputs."""

    resource: CloudResource

    async def on_start(self) -> None:
        controller = await runtime_of(self.resource.environment).wait()
        self._controller = controller
        controller.board.subscribe(self._on_status)
        self._show(controller.board.resources[self.resource.name].state, controller.board.resources[self.resource.name].message)

    def _on_status(self, event: StatusEvent) -> None:
        if not event.environment and event.name == self.resource.name:
            self._show(ProvisioningState(event.state), event.message)

    def _show(self, state: ProvisioningState, message: str) -> None:
        name = self.resource.name
        status = self._controller.board.resources[name]
        if state is ProvisioningState.PROVISIONED:
            self._set_outputs()
            if status.identity.get("region"):
                self.ctx.set_output(REGION_OUTPUT, status.identity["region"])
        identity = [(k, v) for k, v in status.identity.items() if v]
        _publish(self, shown_resource(state, message), identity)

    def _set_outputs(self) -> None:
        record = self._controller.state.records.get(self.resource.name)
        outputs = record.parsed_outputs() if record is not None else None
        if outputs is None:
            return
        for key, value in outputs.values.items():
            self.ctx.set_output(key, value, secret=key in outputs.secrets or key in self.resource.spec.secret_outputs)

    async def on_stop(self) -> None:
        """A clean stop leaves the cloud resource where it is (the delete commands remove it)."""
        with contextlib.suppress(AttributeError):
            del self._controller


def _environment_handler(resource: Resource, ctx: Any) -> EnvironmentHandler:
    return EnvironmentHandler(resource, ctx)


def _cloud_resource_handler(resource: Resource, ctx: Any) -> CloudResourceHandler:
    return CloudResourceHandler(resource, ctx)


resource_handlers.register(CloudEnvironmentResource, _environment_handler, built_in_commands=False)
resource_handlers.register(CloudResource, _cloud_resource_handler, built_in_commands=False)
