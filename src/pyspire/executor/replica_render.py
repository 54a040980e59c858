"""How one replica of a resource becomes an orchestrator object, with every value resolved.

The launch (:mod:`pyspire.executor.launch`) is the same for every runnable resource; what differs
by kind is behind :class:`ReplicaRenderer`: the replica's name suffix, the context its values
resolve in, and the object. :class:`ExecutableRenderer` renders an Executable; the container
runner's renderer (:mod:`pyspire.executor.container_runner`) a Container.
"""

from __future__ import annotations

from typing import Protocol

from pyspire.executor.environment import Launch, resolve_launch
from pyspire.executor.resolution import ResolutionContext, WaitReporter
from pyspire.executor.run_mode import inherits_app_host_environment
from pyspire.executor.runner_host import RunnerHost
from pyspire.model.names import random_suffix
from pyspire.model.resources import ExecutableResource, RunnableResource
from pyspire.model.stop_signals import stop_signal_of
from pyspire.orchestrator.objects import ServedPort, new_executable
from pyspire.orchestrator.store import Obj


class ReplicaRenderer(Protocol):
    def suffix(self, index: int) -> str:
        """The replica's name suffix (also its ``service.instance.id``)."""
        ...

    async def context_for(self, index: int, on_wait: WaitReporter) -> ResolutionContext:
        """How values resolve for this replica (a container first learns its network)."""
        ...

    async def render(self, index: int, suffix: str, ctx: ResolutionContext) -> tuple[Obj, Launch]:
        """The replica's object, with every value resolved."""
        ...


class ExecutableRenderer:
    def __init__(self, resource: RunnableResource, host: RunnerHost) -> None:
        self.resource, self.host = resource, host

    def suffix(self, index: int) -> str:
        return random_suffix()

    async def context_for(self, index: int, on_wait: WaitReporter) -> ResolutionContext:
        return ResolutionContext(self.resource, self.host.addresses, self.host.values, on_wait, index)

    async def render(self, index: int, suffix: str, ctx: ResolutionContext) -> tuple[Obj, Launch]:
        resource, host = self.resource, self.host
        assert isinstance(resource, ExecutableResource)
        launch = await resolve_launch(resource, ctx, host.addresses, index, suffix, host.telemetry)
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
            for a in host.addresses.for_resource(resource.name)
        ]
        obj = new_executable(
            f"{resource.name}-{suffix}",
            resource=resource.name,
            command=await resource.resolve_command(),
            args=launch.args,
            env=launch.env,
            working_directory=str(resource.working_dir),
            grace_period_seconds=resource.stop_grace_period,
            ports=ports,
            inherit_environment=inherits_app_host_environment(resource),
            stop_signal=stop_signal_of(resource),
        )
        return obj, launch
