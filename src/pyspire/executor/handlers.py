"""Resource handlers: how the executor runs each class of resource.

The executor does not know resource kinds. For each resource it looks up a handler factory in a
:class:`HandlerRegistry`, keyed by resource class and searched along the class's bases (so a
subclass of ``ExecutableResource`` runs as an executable unless something more specific is
registered). Executables, containers and configured values register in
:mod:`pyspire.executor.builtin_handlers` exactly as an integration registers its own class — a
cloud resource or a Helm release with no process at all — through :data:`resource_handlers`.

A handler gets a :class:`HandlerContext`: publish the resource's state, properties, URLs and
health; write its log; set its run-time outputs; spawn tasks the executor owns; create and watch
orchestrator objects; resolve values; see when the app host stops. The built-in ``start``,
``stop`` and ``restart`` commands call the handler; custom commands (``CommandAnnotation``) run
as for any resource.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from pyspire.errors import PyspireError
from pyspire.executor.commands import CommandResult
from pyspire.executor.configuration import Configuration
from pyspire.executor.container_runner import ContainerHost
from pyspire.executor.resolution import ResolutionContext
from pyspire.executor.snapshots import HealthReport, ResourceSnapshot, Url
from pyspire.executor.user_code import USER_ERRORS, describe, raised_by_user_code, user_traceback
from pyspire.executor.waits import DependencyFailed, wait_for_dependencies
from pyspire.model.errors import ModelError, ModelProblem, ResolutionError
from pyspire.model.lifecycle import ExplicitStartAnnotation, WaitAnnotation
from pyspire.model.resources import Resource
from pyspire.model.values import ValueProvider
from pyspire.orchestrator.objects import CONTAINER_NETWORK, LABEL_RESOURCE, SERVICE
from pyspire.orchestrator.services import network_gateways
from pyspire.states import HealthStatus, ResourceState

if TYPE_CHECKING:
    from pyspire.orchestrator.store import ObjectStore


class ResourceHandler(Protocol):
    """Runs one resource. ``begin`` is called once when the app starts (spawn work through the
    context; return at once); the commands return when the resource is starting, stopped, or
    has failed, with a message for the user on failure."""

    def begin(self) -> None: ...

    async def start(self) -> CommandResult: ...

    async def stop(self) -> CommandResult: ...

    async def restart(self) -> CommandResult: ...


#: Makes the handler of one resource.
HandlerFactory = Callable[[Any, "HandlerContext"], ResourceHandler]


@dataclass(frozen=True)
class HandlerRegistration:
    resource_class: type[Resource]
    factory: HandlerFactory
    #: Whether the resource shows the built-in start / stop / restart commands.
    built_in_commands: bool = True


class HandlerRegistry:
    """Resource class → handler factory; the most specific registered base wins."""

    def __init__(self) -> None:
        self._by_class: dict[type[Resource], HandlerRegistration] = {}

    def register(
        self, resource_class: type[Resource], factory: HandlerFactory, *, built_in_commands: bool = True
    ) -> Callable[[], None]:
        """Run resources of ``resource_class`` (and its subclasses) with handlers ``factory``
        makes; returns the function that removes the registration again."""
        if resource_class in self._by_class:
            raise ValueError(f"a handler for {resource_class.__qualname__} is registered already")
        registration = HandlerRegistration(resource_class, factory, built_in_commands)
        self._by_class[resource_class] = registration

        def unregister() -> None:
            if self._by_class.get(resource_class) is registration:
                del self._by_class[resource_class]

        return unregister

    @contextlib.contextmanager
    def registered(
        self, resource_class: type[Resource], factory: HandlerFactory, *, built_in_commands: bool = True
    ) -> Iterator[None]:
        """Registered inside the block only (for tests)."""
        unregister = self.register(resource_class, factory, built_in_commands=built_in_commands)
        try:
            yield
        finally:
            unregister()

    def find(self, resource_class: type[Resource]) -> HandlerRegistration | None:
        for base in resource_class.__mro__:
            found = self._by_class.get(base)
            if found is not None:
                return found
        return None

    def check(self, resources: Iterable[Resource]) -> None:
        """Raise :class:`ModelError` naming every resource whose class has no handler, before
        anything starts."""
        problems = [
            ModelProblem(
                r.name,
                "resource class",
                f"no handler runs {type(r).__module__}.{type(r).__qualname__}; register one before "
                f"the app starts: pyspire.extensions.resource_handlers.register("
                f"{type(r).__qualname__}, make_handler)",
                r.origin_of(),
            )
            for r in resources
            if self.find(type(r)) is None
        ]
        if problems:
            raise ModelError(problems)


#: The registry the app host uses.
resource_handlers = HandlerRegistry()

_UNSET: Any = object()

#: pyspire's own reasons a handler's resource cannot start: shown without a traceback.
_KNOWN_FAILURES = (DependencyFailed, ResolutionError, PyspireError)


class HandlerHost(ContainerHost, Protocol):
    """What a handler's context needs from the executor: what the built-in runners need, and
    publishing changes, outputs and the before-start event."""

    stopping: asyncio.Event
    configuration: Configuration

    def publish_changes(self, name: str, changes: dict[str, Any]) -> ResourceSnapshot: ...

    def set_output(self, resource: Resource, name: str, value: str, secret: bool) -> None: ...

    async def before_start(self, resource: Resource) -> None: ...


class _WouldWait(PyspireError):
    """Raised inside :meth:`HandlerContext.resolve_if_ready` where resolving would have to wait."""


class HandlerContext:
    """What a handler may do for its resource (and nothing about other resources)."""

    def __init__(self, resource: Resource, host: HandlerHost) -> None:
        self.resource = resource
        self.name = resource.name
        #: The executor (the built-in handlers give it to their runners; integrations use the
        #: methods below).
        self._host = host

    # -- the resource's snapshot ----------------------------------------------------------------

    @property
    def snapshot(self) -> ResourceSnapshot:
        """The resource's latest snapshot."""
        return self._host.snapshots.get(self.name)

    def publish(
        self,
        *,
        state: ResourceState | str = _UNSET,
        message: str | None = _UNSET,
        properties: Sequence[tuple[str, str]] = _UNSET,
        urls: Sequence[Url] = _UNSET,
        health: HealthStatus | str | None = _UNSET,
        health_reports: Sequence[HealthReport] = _UNSET,
        exit_code: int | None = _UNSET,
    ) -> ResourceSnapshot:
        """Change the resource's snapshot (only the fields given) and publish it. ``properties``
        replace the handler's own ones; outputs stay listed."""
        given = {
            "state": state,
            "state_message": message,
            "properties": tuple(properties) if properties is not _UNSET else _UNSET,
            "urls": tuple(urls) if urls is not _UNSET else _UNSET,
            "health_status": health,
            "health_reports": tuple(health_reports) if health_reports is not _UNSET else _UNSET,
            "exit_code": exit_code,
        }
        return self._host.publish_changes(self.name, {k: v for k, v in given.items() if v is not _UNSET})

    # -- log, outputs, tasks ---------------------------------------------------------------------

    def log(self, text: str) -> None:
        """One line in the resource's log (as the app host's)."""
        self._host.orchestrator.logs.system(self.name, text)

    def log_failure(self, what: str, exc: BaseException) -> str:
        """Log that ``what`` raised ``exc`` — with the user's traceback when their code raised —
        and return the one-line message for the state."""
        message = self._host.orchestrator.redactor.mask(f"{what}: {describe(exc)}")
        lines = [message]
        if raised_by_user_code(exc) or not isinstance(exc, _KNOWN_FAILURES):
            lines += [self._host.orchestrator.redactor.mask(line) for line in user_traceback(exc)]
        self._host.orchestrator.logs.append(self.name, self.name, "system", lines)
        return message

    def set_output(self, name: str, value: str, *, secret: bool = False) -> None:
        """Publish a run-time output: consumers waiting for ``OutputReference(resource, name)``
        continue; it shows in the resource's properties (masked when ``secret``)."""
        self._host.set_output(self.resource, name, value, secret)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``coro`` as a task the executor owns (cancelled when the app host stops)."""
        return self._host.spawn(coro, f"{self.name}-{name}")

    @property
    def stopping(self) -> asyncio.Event:
        """Set once the app host is stopping."""
        return self._host.stopping

    @property
    def store(self) -> ObjectStore:
        """The orchestrator's object store: create objects of a registered kind, watch them."""
        return self._host.orchestrator.store

    async def listen_addresses(self) -> list[str]:
        """Where a handler that serves its resource's endpoints itself (a proxyless endpoint of
        a non-process resource) listens, so every consumer's URL works: loopback, plus — when
        the app runs containers — the container network's gateways, what the engine's host
        alias resolves to inside a container (a container consumer is handed
        ``<host alias>:<port>``). The same addresses a host process's proxy listens on; nothing
        listens on the machine's other interfaces. Waits for the network to be created (no
        gateways when it failed: there are no containers to serve then). A gateway address
        exists on the host only once the network's first container joins: bind it with Linux's
        ``IP_FREEBIND`` (socket option 15 of ``IPPROTO_IP``), as the proxies do."""
        store = self._host.orchestrator.store
        networks = {
            str(s["spec"]["containerNetwork"])
            for s in store.list(SERVICE, {LABEL_RESOURCE: self.name})
            if s["spec"].get("containerNetwork")
        }
        addresses = ["127.0.0.1"]
        for network in sorted(networks):
            gateways = network_gateways(store.find(CONTAINER_NETWORK, network))
            if gateways is None:
                watch = cast(AsyncGenerator[Any, None], store.watch(CONTAINER_NETWORK))  # a generator
                async with contextlib.aclosing(watch) as events:
                    async for event in events:
                        if event.name == network and (gateways := network_gateways(event.object)) is not None:
                            break
            addresses += [g for g in gateways or () if g not in addresses]
        return addresses

    def _on_wait(self, what: str) -> None:
        self.log(what)
        self.publish(state=ResourceState.WAITING, message=what)

    async def wait_for_dependencies(self) -> None:
        """Return once the resource's waits (``WaitAnnotation``) are satisfied, showing Waiting
        and what it waits for meanwhile; raises ``DependencyFailed`` when one never can be."""
        waits = self.resource.annotations_of(WaitAnnotation)
        if waits:
            await wait_for_dependencies(waits, self._host.snapshots, self._on_wait)
            self.publish(state=ResourceState.STARTING, message=None)

    async def resolve(self, value: str | ValueProvider) -> str:
        """Resolve a value as this resource sees it (waiting, with a message, like a process)."""
        return await self._resolve(value, self._on_wait)

    async def _resolve(self, value: str | ValueProvider, on_wait: Callable[[str], None]) -> str:
        """Resolve ``value``; every secret met on the way is masked in all output from then on."""
        ctx = ResolutionContext(self.resource, self._host.addresses, self._host.values, on_wait)
        resolved = await ctx.resolve(value)
        self._host.orchestrator.redactor.add(ctx.secrets)
        return resolved

    async def resolve_if_ready(self, value: str | ValueProvider) -> str | None:
        """Resolve a value only if nothing in it has to be waited for (a parameter nobody set, an
        output not published yet): ``None`` then, with no Waiting state or log line. Lets a
        handler tell "configured" from "missing" at once, without guessing with a timeout."""

        def would_wait(what: str) -> None:
            raise _WouldWait(what)

        try:
            return await self._resolve(value, would_wait)
        except _WouldWait:
            return None

    async def before_start(self) -> None:
        """Dispatch :class:`pyspire.model.events.BeforeResourceStart` (awaited); raises what a
        subscriber raised."""
        await self._host.before_start(self.resource)


class ResourceHandlerBase:
    """A convenient base for a handler: override :meth:`on_start` (and :meth:`on_stop`).

    ``begin`` and the ``start`` command wait for the resource's dependencies, dispatch the
    before-start event, then call ``on_start``; whatever it raises fails the resource (FailedToStart, the traceback in its log).
    ``restart`` is stop, then start.
    """

    def __init__(self, resource: Resource, ctx: HandlerContext) -> None:
        self.resource = resource
        self.ctx = ctx

    async def on_start(self) -> None:
        """Create what the resource is; publish Running (and outputs) when it is up."""

    async def on_stop(self) -> None:
        """Remove or stop what the resource is; the base publishes Exited afterwards."""

    def begin(self) -> None:
        """At app start: start now, or wait for the ``start`` command (``with_explicit_start``)."""
        if self.resource.annotations_of(ExplicitStartAnnotation):
            self.ctx.publish(state=ResourceState.NOT_STARTED, message="waiting to be started by command")
            return
        self.ctx.spawn(self._start(), "start")

    async def _start(self) -> None:
        await self.start()

    async def start(self) -> CommandResult:
        try:
            self.ctx.publish(state=ResourceState.STARTING, message=None)
            await self.ctx.wait_for_dependencies()
            await self.ctx.before_start()
            await self.on_start()
        except asyncio.CancelledError:
            raise
        except USER_ERRORS as exc:
            message = self.ctx.log_failure("cannot start", exc)
            self.ctx.publish(state=ResourceState.FAILED_TO_START, message=message, health=None)
            return CommandResult.failure(message)
        return CommandResult.ok()

    async def stop(self) -> CommandResult:
        try:
            await self.on_stop()
        except USER_ERRORS as exc:
            return CommandResult.failure(self.ctx.log_failure("cannot stop", exc))
        self.ctx.publish(state=ResourceState.EXITED, message=None, health=None, health_reports=())
        return CommandResult.ok()

    async def restart(self) -> CommandResult:
        stopped = await self.stop()
        return stopped if not stopped.success else await self.start()
