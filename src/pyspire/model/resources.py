"""Resources: the named things an app is made of."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pyspire.model.annotations import (
    ConnectionStringAnnotation,
    LogBufferAnnotation,
    ReferenceAnnotation,
    ReplicasAnnotation,
    StopGracePeriodAnnotation,
    WorkingDirectoryAnnotation,
)
from pyspire.model.containers import (
    ContainerImageAnnotation,
    ContainerMountAnnotation,
    ContainerNameAnnotation,
    ContainerRuntimeArgsAnnotation,
    DockerfileBuildAnnotation,
    EntrypointAnnotation,
    ImagePullPolicyAnnotation,
    Lifetime,
    LifetimeAnnotation,
    PullPolicy,
)
from pyspire.model.generated import GeneratedValue
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.otlp_exporter import DEFAULT_OTLP_PROTOCOL, OtlpProtocol
from pyspire.model.resource import Resource as Resource  # re-exported: the base lives in a leaf module
from pyspire.model.values import RenderContext, ValueContext, ValueProvider

DEFAULT_STOP_GRACE_PERIOD = 10.0
DEFAULT_LOG_BUFFER_LINES = 10_000


class RunnableResource(Resource):
    """A resource the app host runs: a process or a container. Both share endpoints, references,
    environment, arguments, waits, health, commands, logs and the stop grace period."""

    #: The OTLP protocol its replicas are told to export with unless ``with_otlp_exporter``
    #: says otherwise (see :mod:`pyspire.model.otlp_exporter`).
    default_otlp_protocol: ClassVar[OtlpProtocol] = DEFAULT_OTLP_PROTOCOL

    @property
    def replicas(self) -> int:
        found = self.last_annotation(ReplicasAnnotation)
        return found.count if found else 1

    @property
    def stop_grace_period(self) -> float:
        found = self.last_annotation(StopGracePeriodAnnotation)
        return found.seconds if found else DEFAULT_STOP_GRACE_PERIOD

    @property
    def log_buffer_lines(self) -> int | None:
        found = self.last_annotation(LogBufferAnnotation)
        return found.lines if found else None

    # The capabilities of pyspire.model.capabilities: connection string, environment, waits.

    @property
    def connection_string(self) -> ValueProvider | None:
        found = self.last_annotation(ConnectionStringAnnotation)
        return found.value if found else None

    @property
    def references(self) -> list[ReferenceAnnotation]:
        return self.annotations_of(ReferenceAnnotation)

    @property
    def waits(self) -> list[WaitAnnotation]:
        return self.annotations_of(WaitAnnotation)

    async def up_to_date(self) -> str | None:
        """For a step that runs to completion (an installer process, a Helm release's container):
        a reason when running it again would change nothing (``"up to date: requirements.txt
        unchanged"``). Asked at each start, after the waits and the before-start subscribers;
        the resource then ends Finished with exit code 0 and that message, without starting a
        process or a container, and what waits for its completion starts at once. ``None`` (the
        default) runs it."""
        return None


class ExecutableResource(RunnableResource):
    """A process the app host starts: ``command`` with arguments, in ``working_dir``."""

    resource_type: ClassVar[str] = "Executable"

    def __init__(self, name: str, command: str, working_dir: Path) -> None:
        super().__init__(name)
        self.command = command
        self.annotations.append(WorkingDirectoryAnnotation(working_dir))

    @property
    def working_dir(self) -> Path:
        found = self.last_annotation(WorkingDirectoryAnnotation)
        assert found is not None  # recorded by the constructor
        return found.path

    # -- hooks an integration's subclass overrides (called by the app host at each start) ------

    async def resolve_command(self) -> str:
        """The program to start, decided when the resource starts (after its waits and its
        before-start subscribers), not when the model is built: an integration finds the
        interpreter of a virtual environment an installer child has just created. Raise
        :class:`pyspire.errors.ConfigurationError` with the fix to fail only this resource,
        with that message and no traceback."""
        return self.command


class ContainerResource(RunnableResource):
    """A container the app host runs on podman or docker, from an image or a Dockerfile build."""

    resource_type: ClassVar[str] = "Container"

    def __init__(self, name: str, image: ContainerImageAnnotation) -> None:
        super().__init__(name)
        self.annotations.append(image)

    @property
    def image(self) -> ContainerImageAnnotation:
        found = self.last_annotation(ContainerImageAnnotation)
        assert found is not None  # recorded by the constructor
        return found

    @property
    def build(self) -> DockerfileBuildAnnotation | None:
        return self.last_annotation(DockerfileBuildAnnotation)

    @property
    def pull_policy(self) -> PullPolicy:
        found = self.last_annotation(ImagePullPolicyAnnotation)
        return found.policy if found else "missing"

    @property
    def lifetime(self) -> Lifetime:
        found = self.last_annotation(LifetimeAnnotation)
        return found.lifetime if found else "session"

    @property
    def persistent(self) -> bool:
        return self.lifetime == "persistent"

    @property
    def entrypoint(self) -> str | None:
        found = self.last_annotation(EntrypointAnnotation)
        return found.entrypoint if found else None

    @property
    def container_name(self) -> str | None:
        found = self.last_annotation(ContainerNameAnnotation)
        return found.name if found else None

    @property
    def mounts(self) -> list[ContainerMountAnnotation]:
        return self.annotations_of(ContainerMountAnnotation)

    @property
    def runtime_args(self) -> tuple[str, ...]:
        return tuple(a for ann in self.annotations_of(ContainerRuntimeArgsAnnotation) for a in ann.args)


class ConfiguredValueResource(Resource):
    """A resource whose value comes from configuration (parameters, connection strings).

    It is a value provider: pass it to ``with_env`` or an expression and it resolves to its value.
    """

    config_section: ClassVar[str] = ""

    def __init__(self, name: str, value: str | None, secret: bool) -> None:
        super().__init__(name)
        self.default_value = value
        self.secret = secret

    @property
    def is_secret(self) -> bool:
        return self.secret

    @property
    def config_key(self) -> str:
        """The environment variable that supplies the value (Aspire's convention)."""
        return f"{self.config_section}__{self.name}"

    def describe(self) -> str:
        return f"{self.resource_type.lower()} {self.name}"

    async def resolve(self, ctx: ValueContext) -> str:
        return await ctx.configured_value(self)

    def render(self, ctx: RenderContext) -> str:
        return ctx.configured_value(self)


class ParameterResource(ConfiguredValueResource):
    """A value supplied by whoever runs the app: ``Parameters__<name>`` or ``.pyspire/settings.json``."""

    resource_type: ClassVar[str] = "Parameter"
    config_section: ClassVar[str] = "Parameters"

    def __init__(
        self, name: str, value: str | None, secret: bool, generate: GeneratedValue | None = None
    ) -> None:
        super().__init__(name, value, secret)
        #: When set and no value is supplied, the app host generates one once and keeps it in
        #: the settings file (so data created with it stays reachable after a restart).
        self.generate = generate

    def describe(self) -> str:
        return f"parameter {self.name}"


class ConnectionStringResource(ConfiguredValueResource):
    """A connection string to something outside the app: ``ConnectionStrings__<name>``.

    Secret by default, since connection strings usually carry credentials.
    """

    resource_type: ClassVar[str] = "ConnectionString"
    config_section: ClassVar[str] = "ConnectionStrings"

    def describe(self) -> str:
        return f"connection string {self.name}"

    @property
    def connection_string(self) -> ValueProvider:
        """Itself: its configured value is the connection string."""
        return self
