"""The handlers of pyspire's own resource classes, registered as an integration registers its own.

Executables run through :class:`ResourceRunner`, containers through :class:`ContainerRunner`
(both are handlers already: ``begin``, ``start``, ``stop``, ``restart``). Parameters and
connection strings are values, not processes: their handler publishes Running once the value is
known and ValueMissing (saying how to supply it) until then; they have no commands.
"""

from __future__ import annotations

from pyspire.executor.commands import CommandResult
from pyspire.executor.configuration import Configuration
from pyspire.executor.container_runner import ContainerRunner
from pyspire.executor.handlers import HandlerContext, ResourceHandler, resource_handlers
from pyspire.executor.runner import ResourceRunner
from pyspire.executor.snapshot_building import configured_snapshot
from pyspire.executor.snapshots import MASK
from pyspire.model.resources import ConfiguredValueResource, ContainerResource, ExecutableResource
from pyspire.states import HealthStatus, ResourceState


class ConfiguredValueHandler:
    """A parameter's or connection string's value: from configuration, generated once (and kept
    in the settings file, so data created with it stays reachable after a restart), or supplied
    later (``pyspire parameter set``)."""

    def __init__(
        self, resource: ConfiguredValueResource, ctx: HandlerContext, configuration: Configuration
    ) -> None:
        self.resource = resource
        self.ctx = ctx
        self.configuration = configuration
        how_to_supply = configuration.how_to_supply(resource)
        ctx._host.values.how_to_supply[resource.name] = how_to_supply
        value = configuration.value_for(resource)
        generation = getattr(resource, "generate", None)
        if value is None and generation is not None:
            value = generation.generate()
            configuration.keep(resource, value)
            ctx.log(f"generated a value and kept it in {configuration.settings_path}")
        if value is not None:
            self._accept(value)
        current = ctx.snapshot
        ctx._host.snapshots.add(configured_snapshot(current, value, resource.is_secret, how_to_supply))

    def _accept(self, value: str) -> None:
        if self.resource.is_secret:
            self.ctx._host.orchestrator.redactor.add([value])
        self.ctx._host.values.set(self.resource.name, value)

    def supply(self, value: str, save: bool = False) -> None:
        """A value supplied while the app runs (``pyspire parameter set``, ``PUT
        /v1/parameters/{name}``): resources waiting for it continue. ``save``: also kept in the
        settings file, for the next runs (written first: a failure to write changes nothing)."""
        if save:
            self.configuration.keep(self.resource, value)
        self._accept(value)
        self.ctx.log("value supplied" + (f" and kept in {self.configuration.settings_path}" if save else ""))
        self.ctx.publish(
            state=ResourceState.RUNNING,
            message=None,
            health=HealthStatus.HEALTHY,
            properties=(("value", MASK if self.resource.is_secret else value),),
        )

    def begin(self) -> None:
        """Nothing to start: the value is known, or waited for."""

    async def start(self) -> CommandResult:
        return CommandResult.failure(f"resource '{self.resource.name}' has no commands")

    stop = restart = start


def _executable(resource: ExecutableResource, ctx: HandlerContext) -> ResourceHandler:
    return ResourceRunner(resource, ctx._host)


def _container(resource: ContainerResource, ctx: HandlerContext) -> ResourceHandler:
    return ContainerRunner(resource, ctx._host)


def _configured_value(resource: ConfiguredValueResource, ctx: HandlerContext) -> ResourceHandler:
    return ConfiguredValueHandler(resource, ctx, ctx._host.configuration)


resource_handlers.register(ExecutableResource, _executable)
resource_handlers.register(ContainerResource, _container)
resource_handlers.register(ConfiguredValueResource, _configured_value, built_in_commands=False)
