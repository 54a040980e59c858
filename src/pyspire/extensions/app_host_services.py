"""App host services: what runs inside the app host beside the resources, for as long as it runs.

The OTLP receiver (:mod:`pyspire.telemetry`) and the dashboard (:mod:`pyspire.dashboard`) are
app host services. A service is built from an :class:`AppHostSetup` before anything listens (so
its control-API routes can be mounted and a bad setting fails before anything starts), started
once the control API listens and before the first resource starts (so the variables it hands to
every replica are known), and stopped after the last resource is gone (so what the resources
flush on their way out still arrives), in reverse order of start.

A package registers its factory once, at import, with ``APP_HOST_SERVICES.register(factory)``;
a factory returns ``None`` when the service is turned off by configuration. Callers of
:meth:`pyspire.DistributedApplication.start` can turn services off by name (the testing harness
turns the dashboard off, as Aspire's does).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from starlette.routing import BaseRoute

from pyspire.executor.run_mode import TelemetryEnv
from pyspire.model.builder import AppModel
from pyspire.orchestrator.redaction import Redactor

__all__ = [
    "APP_HOST_SERVICES",
    "AppHostService",
    "AppHostServiceContext",
    "AppHostServiceFactory",
    "AppHostServices",
    "AppHostSetup",
    "ContainerAccess",
    "NoContainerAccess",
]


@dataclass(frozen=True)
class AppHostSetup:
    """What a service knows when it is built: the model, where the app lives, the settings."""

    model: AppModel
    app_dir: Path
    #: The app's state folder (``.pyspire`` beside apphost.py): where a service keeps files.
    state_dir: Path
    run_id: str
    #: The app host's settings: its environment over the ``.env`` beside apphost.py. Services
    #: read their ``PYSPIRE_*`` settings here, never from ``os.environ`` directly.
    settings: Mapping[str, str]
    #: The run's secrets: a service adds every secret it makes (keys, tokens) so no output shows it.
    redactor: Redactor


@runtime_checkable
class ContainerAccess(Protocol):
    """How a service lets the app's containers reach a port it listens on.

    Services listen on loopback only; a container cannot reach the host's loopback. ``expose``
    puts a proxy for the port on the container network's gateway (what the engine's host alias
    resolves to inside a container), so only the app's containers and the host itself can
    connect — nothing listens on the machine's other interfaces."""

    def expose(self, name: str, port: int) -> int | None:
        """Make loopback ``port`` reachable from the app's containers under ``name`` (unique per
        service, e.g. ``otlp-grpc``); returns the port they connect to at :meth:`host_alias`,
        or None when the app runs no containers. Call it from ``start``."""
        ...

    def host_alias(self) -> str:
        """The name containers reach the host by (``host.containers.internal`` with podman,
        ``host.docker.internal`` with docker); right once a container is being started."""
        ...


class NoContainerAccess:
    """For a context without containers (a test driving a service by hand): nothing is exposed."""

    def expose(self, name: str, port: int) -> int | None:
        return None

    def host_alias(self) -> str:
        return "host.containers.internal"


@dataclass
class AppHostServiceContext:
    """What a service gets when it starts: where the control API is, and how to tell the user."""

    setup: AppHostSetup
    #: The control API (a service that is a client of it, like the dashboard, calls it here).
    api_url: str
    api_token: str
    #: Prints a line on the app host's console at start (e.g. the dashboard's login URL).
    announce: Callable[[str], None]
    #: Where clients find things (``GET /v1/info`` ``urls``): a service adds its own.
    urls: dict[str, str] = field(default_factory=dict)
    #: How the app's containers reach what the service listens on (see :class:`ContainerAccess`).
    containers: ContainerAccess = field(default_factory=NoContainerAccess)


@runtime_checkable
class AppHostService(Protocol):
    """A piece of the app host that lives as long as the run (see the module docstring)."""

    #: Unique; what ``disabled_services`` names.
    name: str

    def routes(self) -> Sequence[BaseRoute]:
        """Routes mounted on the control API, behind its token (``/v1/<service>/...``)."""
        ...

    def telemetry_env(self) -> TelemetryEnv | None:
        """Variables for every replica (the OTLP exporter settings), or None."""
        ...

    async def start(self, context: AppHostServiceContext) -> None:
        """Listen / begin; returns once what :meth:`telemetry_env` hands out is usable."""
        ...

    async def stop(self) -> None:
        """Stop and release everything; called once, also after a failed start."""
        ...


AppHostServiceFactory = Callable[[AppHostSetup], "AppHostService | None"]


class AppHostServices:
    """The ordered registry of service factories (started in registration order)."""

    def __init__(self) -> None:
        self._factories: list[tuple[AppHostServiceFactory, str | None]] = []

    def register(self, factory: AppHostServiceFactory, name: str | None = None) -> Callable[[], None]:
        """Add ``factory`` after those registered before it; returns the call that removes it.
        ``name`` (the service's name) lets a run that turns the service off skip the factory
        altogether, so nothing it would open (a file, a thread) is opened for nothing."""
        entry = (factory, name)
        self._factories.append(entry)

        def unregister() -> None:
            if entry in self._factories:
                self._factories.remove(entry)

        return unregister

    @contextmanager
    def registered(self, factory: AppHostServiceFactory, name: str | None = None) -> Iterator[None]:
        """``factory`` is registered inside the ``with`` block only (tests leave no trace)."""
        unregister = self.register(factory, name)
        try:
            yield
        finally:
            unregister()

    def create(self, setup: AppHostSetup, disabled: Collection[str] = ()) -> list[AppHostService]:
        """Build every service that is not turned off, in order. A factory that raises (a bad
        setting) fails the run before anything starts."""
        services = []
        for factory, name in list(self._factories):
            if name is not None and name in disabled:
                continue
            service = factory(setup)
            if service is not None and service.name not in disabled:
                services.append(service)
        return services


#: The app host services every run starts (telemetry, then the dashboard, once imported).
APP_HOST_SERVICES = AppHostServices()
