"""Builders: the chainable, typed API users write their ``apphost.py`` with.

Every method only records annotations on its resource and returns the builder, so a whole app can
be described in one expression per resource. Nothing starts and nothing is checked for I/O here;
the model is validated as a whole by ``build()``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self, TypeVar

from pyspire.model.annotations import ReplicasAnnotation, WorkingDirectoryAnnotation
from pyspire.model.arguments import Arg
from pyspire.model.container_builder import ContainerBuilder
from pyspire.model.containers import ContainerImageAnnotation, DockerfileBuildAnnotation, split_image
from pyspire.model.events import E, EventCallback, EventSubscription
from pyspire.model.generated import GeneratedValue
from pyspire.model.publishing import PublishDockerfileAnnotation, PublishImageAnnotation
from pyspire.model.resource_builder import ResourceBuilder
from pyspire.model.resources import (
    DEFAULT_LOG_BUFFER_LINES,
    ConfiguredValueResource,
    ConnectionStringResource,
    ContainerResource,
    ExecutableResource,
    ParameterResource,
    Resource,
)
from pyspire.model.runnable_builder import RunnableBuilder
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
    #: Lifecycle event subscriptions (:mod:`pyspire.model.events`), in the order made.
    subscriptions: tuple[EventSubscription[Any], ...] = ()

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
        if self._rejects("with_working_dir", Arg("", path, "path", "with_working_dir('./api')")):
            return self
        return self._record(WorkingDirectoryAnnotation(self.app.resolve_path(path)))

    def with_replicas(self, count: int) -> Self:
        """Run ``count`` copies of the process behind the resource's proxies."""
        if self._rejects("with_replicas", Arg("", count, "whole number", "with_replicas(3)")):
            return self
        return self._record(ReplicasAnnotation(count))

    # -- how it is published (no effect on `pyspire run`) ----------------------------------------

    def with_image(self, image: str) -> Self:
        """Publish this process as the existing ``image`` (``registry/name:tag``): its arguments
        become the container's command. Run mode ignores it (the process still runs here)."""
        if self._rejects("with_image", Arg("", image, "text", "with_image('ghcr.io/acme/tool:1.4')")):
            return self
        return self._record(PublishImageAnnotation(image))

    def publish_as_dockerfile(
        self, context: str | Path = ".", dockerfile: str | Path | None = None, stage: str | None = None
    ) -> Self:
        """Publish this process as the image built from ``dockerfile`` (default
        ``<context>/Dockerfile``) in ``context`` (relative to the app host; default its folder), at
        ``stage`` when given; its arguments become the container's command. Run mode ignores it."""
        example = "publish_as_dockerfile('./tool', dockerfile='./tool/Dockerfile')"
        if self._rejects(
            "publish_as_dockerfile",
            Arg("context", context, "path", example),
            Arg("dockerfile", dockerfile, "path", example, optional=True),
            Arg("stage", stage, "text", "publish_as_dockerfile('.', stage='runtime')", optional=True),
        ):
            return self
        folder = self.app.resolve_path(context)
        file = self.app.resolve_path(dockerfile) if dockerfile is not None else None
        return self._record(PublishDockerfileAnnotation(folder, file, stage))


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
        self.subscriptions: list[EventSubscription[Any]] = []

    def subscribe(
        self, event_type: type[E], callback: EventCallback[E], *, resource: object | None = None
    ) -> EventSubscription[E]:
        """Call ``callback`` (sync or async) with each event of ``event_type`` (see
        :mod:`pyspire.model.events`) — only those about ``resource`` (a builder or a resource)
        when given. Integrations subscribe the same way, on the builder they are given."""
        target = getattr(resource, "resource", resource)
        if target is not None and not isinstance(target, Resource):
            raise TypeError(
                f"subscribe(resource=...): {target!r} is not a resource; pass what add_... returned"
            )
        subscription = EventSubscription(event_type, callback, target)
        self.subscriptions.append(subscription)
        return subscription

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
        example = "add_executable('api', 'python', './api', 'server.py')"
        name_arg = Arg("name", name, "text", example)
        command_arg = Arg("command", command, "path", example)
        folder_arg = Arg("working_dir", working_dir, "path", example)
        resource = ExecutableResource(
            _text(name),
            os.fspath(command) if command_arg.problem() is None else str(command),
            self.resolve_path(working_dir) if folder_arg.problem() is None else self.app_dir,
        )
        builder = ExecutableBuilder(self, resource)
        builder._rejects("add_executable", name_arg, command_arg, folder_arg, defines_resource=True)
        if args:
            builder._args("add_executable", args)
        self.resources.append(resource)
        return builder

    def add_container(self, name: str, image: str, tag: str | None = None) -> ContainerBuilder:
        """A container from ``image`` (``tag`` defaults to the one in ``image``, else ``latest``).

        It runs on podman or docker (``PYSPIRE_CONTAINER_RUNTIME``, else whichever engine answers).
        A container endpoint needs ``target_port``: the port the server listens on inside it."""
        example = "add_container('redis', 'redis', tag='7.4')"
        image_name, image_tag = split_image(image) if isinstance(image, str) else (str(image), None)
        tag_text = tag if isinstance(tag, str) else None
        resource = ContainerResource(
            _text(name), ContainerImageAnnotation(image_name, tag_text or image_tag or "latest")
        )
        builder = ContainerBuilder(self, resource)
        builder._rejects(
            "add_container",
            Arg("name", name, "text", example),
            Arg("image", image, "text", example),
            Arg("tag", tag, "text", example, optional=True),
            defines_resource=True,
        )
        self.resources.append(resource)
        return builder

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
        example = "add_dockerfile('web', './web', dockerfile='Dockerfile.dev')"
        arguments = (
            Arg("name", name, "text", example),
            Arg("context_path", context_path, "path", example),
            Arg("dockerfile", dockerfile, "path", example, optional=True),
            Arg("stage", stage, "text", "stage='runtime'", optional=True),
        )
        resource = ContainerResource(
            _text(name), ContainerImageAnnotation(f"localhost/pyspire-build/{_text(name)}", "latest")
        )
        builder = ContainerBuilder(self, resource)
        if not builder._rejects("add_dockerfile", *arguments, defines_resource=True):
            context = self.resolve_path(context_path)
            resource.record(
                DockerfileBuildAnnotation(
                    context, context / dockerfile if dockerfile is not None else None, stage
                )
            )
        self.resources.append(resource)
        return builder

    def add_parameter(
        self,
        name: str,
        value: str | None = None,
        secret: bool = False,
        generate: bool | GeneratedValue = False,
    ) -> ParameterBuilder:
        """A value supplied at run time: ``Parameters__<name>`` in the environment, else in ``.env``
        beside apphost.py, else ``.pyspire/settings.json``, else ``value`` given here as the
        default. Secret values are masked everywhere. ``generate`` (``True`` or a :class:`GeneratedValue`): with no value
        supplied, generate one at the first run and keep it in ``.pyspire/settings.json``."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a number typed without quotes means the same string
        generation = GeneratedValue() if generate is True else generate if isinstance(generate, GeneratedValue) else None
        resource = ParameterResource(
            _text(name), value if isinstance(value, str) else None, secret is True, generation
        )
        builder = ParameterBuilder(self, resource)
        builder._rejects(
            "add_parameter",
            Arg("name", name, "text", "add_parameter('api-key', secret=True)"),
            Arg("value", value, "text", "add_parameter('region', value='eu-west-1')", optional=True),
            Arg("secret", secret, "flag", "add_parameter('api-key', secret=True)"),
            *(
                ()
                if isinstance(generate, GeneratedValue)
                else (Arg("generate", generate, "flag", "add_parameter('db-password', secret=True, generate=True)"),)
            ),
            defines_resource=True,
        )
        rules_problem = generation.problem() if generation is not None else None
        if rules_problem is not None:
            builder._reject("add_parameter generate", rules_problem, defines_resource=True)
        self.resources.append(resource)
        return builder

    def add_connection_string(self, name: str) -> ConnectionStringBuilder:
        """A connection string to an existing service: ``ConnectionStrings__<name>`` in the
        environment or ``.pyspire/settings.json``."""
        resource = ConnectionStringResource(_text(name), None, secret=True)
        builder = ConnectionStringBuilder(self, resource)
        builder._rejects(
            "add_connection_string",
            Arg("name", name, "text", "add_connection_string('db')"),
            defines_resource=True,
        )
        self.resources.append(resource)
        return builder

    def build_model(self) -> AppModel:
        """Freeze the collected resources into an :class:`AppModel` (validation is separate)."""
        return AppModel(
            tuple(self.resources), self.app_dir, self.args, self.log_buffer_lines, tuple(self.subscriptions)
        )


def _text(name: object) -> str:
    """A resource's name as text even when the call passed something else (the call is then
    reported; the resource still needs a name to be reported under)."""
    return name if isinstance(name, str) else repr(name)


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
