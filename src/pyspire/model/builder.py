"""Builders: the chainable, typed API users write their ``apphost.py`` with.

Every method only records annotations on its resource and returns the builder, so a whole app can
be described in one expression per resource. Nothing starts and nothing is checked for I/O here;
the model is validated as a whole by ``build()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self, TypeVar

from pyspire.model.annotations import ReplicasAnnotation, WorkingDirectoryAnnotation
from pyspire.model.container_builder import ContainerBuilder
from pyspire.model.containers import ContainerImageAnnotation, DockerfileBuildAnnotation, split_image
from pyspire.model.resources import (
    DEFAULT_LOG_BUFFER_LINES,
    ConfiguredValueResource,
    ConnectionStringResource,
    ContainerResource,
    ExecutableResource,
    ParameterResource,
    Resource,
)
from pyspire.model.runnable_builder import ResourceBuilder, RunnableBuilder
from pyspire.model.values import ValueProvider

__all__ = [
    "AppModel",
    "AppModelBuilder",
    "ConfiguredValueBuilder",
    "ConnectionStringBuilder",
    "ContainerBuilder",
    "ExecutableBuilder",
    "ParameterBuilder",
    "ResourceBuilder",
    "RunnableBuilder",
    "caller_directory",
]

C = TypeVar("C", bound=ConfiguredValueResource)


@dataclass(frozen=True)
class AppModel:
    """The finished description of an app: what ``build()`` validates and the executor runs."""

    resources: tuple[Resource, ...]
    app_dir: Path
    args: tuple[str, ...] = ()
    log_buffer_lines: int = DEFAULT_LOG_BUFFER_LINES

    def get(self, name: str) -> Resource:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(f"no resource named {name!r} in the app model")


class ConfiguredValueBuilder(ResourceBuilder[C]):
    """Builder of a parameter or connection string; usable wherever a value is expected."""

    @property
    def value_provider(self) -> ValueProvider:
        return self.resource


class ParameterBuilder(ConfiguredValueBuilder[ParameterResource]):
    """Builder returned by ``add_parameter``."""


class ConnectionStringBuilder(ConfiguredValueBuilder[ConnectionStringResource]):
    """Builder returned by ``add_connection_string``."""


class ExecutableBuilder(RunnableBuilder[ExecutableResource]):
    """Builder returned by ``add_executable``: a process, with a working folder and replicas."""

    def with_working_dir(self, path: str | Path) -> Self:
        """Start the processes in ``path`` (relative to the app host's folder)."""
        self.resource.annotations.append(WorkingDirectoryAnnotation(self.app.resolve_path(path)))
        return self

    def with_replicas(self, count: int) -> Self:
        """Run ``count`` copies of the process behind the resource's proxies."""
        self.resource.annotations.append(ReplicasAnnotation(count))
        return self


class AppModelBuilder:
    """Collects resources. ``DistributedApplication.create_builder()`` returns a subclass that can
    ``build()`` a runnable app."""

    def __init__(
        self,
        app_dir: Path,
        args: Sequence[str] = (),
        log_buffer_lines: int = DEFAULT_LOG_BUFFER_LINES,
    ) -> None:
        self.app_dir = app_dir.resolve()
        self.args = tuple(args)
        self.log_buffer_lines = log_buffer_lines
        self.resources: list[Resource] = []

    def resolve_path(self, path: str | Path) -> Path:
        """Relative paths in the model are relative to the app host's folder, not the cwd."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else (self.app_dir / candidate).resolve()

    def add_resource(self, builder: ResourceBuilder[Any]) -> None:
        """Add a resource built elsewhere (integrations use this with their own builders)."""
        self.resources.append(builder.resource)

    def add_executable(
        self, name: str, command: str, working_dir: str | Path, *args: object
    ) -> ExecutableBuilder:
        """A process: ``command`` started in ``working_dir`` (relative to the app host) with ``args``."""
        resource = ExecutableResource(name, command, self.resolve_path(working_dir))
        builder = ExecutableBuilder(self, resource)
        if args:
            builder.with_args(*args)
        self.resources.append(resource)
        return builder

    def add_container(self, name: str, image: str, tag: str | None = None) -> ContainerBuilder:
        """A container from ``image`` (``tag`` defaults to the one in ``image``, else ``latest``).

        It runs on podman or docker (``PYSPIRE_CONTAINER_RUNTIME``, else whichever engine answers).
        A container endpoint needs ``target_port``: the port the server listens on inside it."""
        image_name, image_tag = split_image(image)
        resource = ContainerResource(name, ContainerImageAnnotation(image_name, tag or image_tag or "latest"))
        self.resources.append(resource)
        return ContainerBuilder(self, resource)

    def add_dockerfile(
        self,
        name: str,
        context_path: str | Path,
        dockerfile: str | Path | None = None,
        stage: str | None = None,
    ) -> ContainerBuilder:
        """A container whose image is built from ``dockerfile`` (default ``<context>/Dockerfile``)
        in ``context_path`` (relative to the app host) each time the app starts; the build output
        streams into the resource's log while its state is Building."""
        context = self.resolve_path(context_path)
        resource = ContainerResource(name, ContainerImageAnnotation(f"localhost/pyspire-build/{name}", "latest"))
        resource.annotations.append(
            DockerfileBuildAnnotation(
                context, context / dockerfile if dockerfile is not None else None, stage
            )
        )
        self.resources.append(resource)
        return ContainerBuilder(self, resource)

    def add_parameter(self, name: str, value: str | None = None, secret: bool = False) -> ParameterBuilder:
        """A value supplied at run time: ``Parameters__<name>`` in the environment, else
        ``.pyspire/settings.json``, else ``value`` given here as the default. Secret values are
        masked everywhere."""
        resource = ParameterResource(name, value, secret)
        self.resources.append(resource)
        return ParameterBuilder(self, resource)

    def add_connection_string(self, name: str) -> ConnectionStringBuilder:
        """A connection string to an existing service: ``ConnectionStrings__<name>`` in the
        environment or ``.pyspire/settings.json``."""
        resource = ConnectionStringResource(name, None, secret=True)
        self.resources.append(resource)
        return ConnectionStringBuilder(self, resource)

    def build_model(self) -> AppModel:
        """Freeze the collected resources into an :class:`AppModel` (validation is separate)."""
        return AppModel(tuple(self.resources), self.app_dir, self.args, self.log_buffer_lines)


def caller_directory(depth: int = 2) -> Path:
    """The folder of the file that called into pyspire ``depth`` frames up (the ``apphost.py``),
    so relative paths work however the app host is started."""
    frame = inspect.currentframe()
    for _ in range(depth):
        if frame is None:
            break
        frame = frame.f_back
    filename = frame.f_globals.get("__file__") if frame is not None else None
    return Path(filename).resolve().parent if filename else Path.cwd()
