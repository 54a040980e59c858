"""WHAT a resource's environment and arguments are, whatever the mode: the launch plan.

Conventions (see shared/reference/app-host-semantics.md), in this order so that what the user sets
explicitly wins:

0. ``with_env_file``: the file's variables, read again at each start (values secret when the
   file is),
1. ``env=`` of each endpoint: the port this replica must listen on,
2. ``with_reference``: ``ConnectionStrings__{name}`` and ``{NAME}_HOST`` … for a resource with a
   connection string; ``services__{name}__{endpoint}__0`` and ``{NAME}_{ENDPOINT}`` for its
   endpoints (both, for a resource with both),
3. ``with_env`` values and callbacks, in the order recorded (``with_args`` likewise for arguments).

The plan holds value providers, not values: run mode resolves them (awaiting live ports, see
:mod:`pyspire.executor.environment`), a publisher renders them into manifest expressions (see
:mod:`pyspire.executor.rendering`). What only running adds (the app host's environment, telemetry
variables, interpreter buffering) is run-mode policy (:mod:`pyspire.executor.run_mode`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from pyspire.model.annotations import (
    ArgsAnnotation,
    ArgsCallbackAnnotation,
    ArgsCallbackContext,
    EnvFileAnnotation,
    EnvironmentAnnotation,
    EnvironmentCallbackAnnotation,
    EnvironmentCallbackContext,
    ReferenceAnnotation,
)
from pyspire.model.capabilities import connection_properties_of, connection_string_of, endpoints_of
from pyspire.model.endpoints import EndpointReference
from pyspire.model.env_files import EnvFileError, read_env_file
from pyspire.model.errors import ResolutionError
from pyspire.model.execution import ExecutionContext
from pyspire.model.names import env_name_part
from pyspire.model.resource import Resource
from pyspire.model.values import RenderContext, ValueContext, ValueProvider, as_value, value_is_secret


@dataclass(frozen=True)
class EnvValue:
    """One variable whose value is a literal or a value provider."""

    name: str
    value: str | ValueProvider

    @property
    def secret(self) -> bool:
        return value_is_secret(self.value)


@dataclass(frozen=True)
class ListenPortEnv:
    """The variable an endpoint's ``env=`` names: the port this replica listens on."""

    name: str
    endpoint: EndpointReference


@dataclass(frozen=True)
class ConnectionPropertiesEnv:
    """``{prefix}_HOST``, ``_PORT``… derived from the connection string in variable ``source``
    once its value is known (run mode only: a manifest expression has no parts to derive them
    from). The credential ones are secret when the connection string is."""

    prefix: str
    source: str
    secret: bool


EnvStep = EnvValue | ListenPortEnv | ConnectionPropertiesEnv


@dataclass(frozen=True)
class SecretText:
    """A literal that is secret: a value of a ``with_env_file(path, secret=True)`` file. A plain
    string is never secret, so the value is wrapped to be masked in snapshots and redacted."""

    text: str
    origin: str

    @property
    def is_secret(self) -> bool:
        return True

    def describe(self) -> str:
        return self.origin

    async def resolve(self, ctx: ValueContext) -> str:
        return self.text

    def render(self, ctx: RenderContext) -> str:
        return ctx.literal(self.text)


def env_file_steps(resource: Resource, annotation: EnvFileAnnotation) -> list[EnvStep]:
    """The variables of one env file, read now (so each start sees the file as it is). A file
    gone or broken since ``build()`` fails this start of this resource only, with the reason and
    no traceback (a :class:`ResolutionError`, as any value that cannot be had)."""
    try:
        variables = read_env_file(annotation.path)
    except EnvFileError as exc:
        raise ResolutionError(f"resource '{resource.name}', with_env_file: {exc}") from None
    return [
        EnvValue(name, SecretText(value, f"{name} from {annotation.path.name}") if annotation.secret else value)
        for name, value in variables.items()
    ]


@dataclass
class LaunchPlan:
    """A resource's environment steps and arguments, in the documented order."""

    env: list[EnvStep] = field(default_factory=list)
    args: list[str | ValueProvider] = field(default_factory=list)


async def _maybe_await(result: object) -> None:
    if inspect.isawaitable(result):
        await result


def _reference_steps(ref: ReferenceAnnotation) -> list[EnvStep]:
    target = ref.target
    name = ref.env_name
    steps: list[EnvStep] = []
    connection_string = connection_string_of(target)
    if connection_string is not None:
        variable = EnvValue(f"ConnectionStrings__{name}", connection_string)
        steps.append(variable)
        named = connection_properties_of(target)
        if named is None:
            steps.append(ConnectionPropertiesEnv(env_name_part(name), variable.name, variable.secret))
        else:
            steps.extend(EnvValue(f"{env_name_part(name)}_{key}", value) for key, value in named.items())
    for endpoint in endpoints_of(target):
        if ref.endpoint_name and endpoint.name != ref.endpoint_name:
            continue
        url = EndpointReference(target, endpoint.name)
        steps.append(EnvValue(f"services__{name}__{endpoint.name}__0", url))
        steps.append(EnvValue(f"{env_name_part(name)}_{env_name_part(endpoint.name)}", url))
    return steps


async def plan_launch(resource: Resource, execution: ExecutionContext) -> LaunchPlan:
    """The launch plan of ``resource``; env and args callbacks run now and see ``execution``."""
    plan = LaunchPlan()
    for env_file in resource.annotations_of(EnvFileAnnotation):
        plan.env.extend(env_file_steps(resource, env_file))
    for endpoint in endpoints_of(resource):
        if endpoint.env:
            plan.env.append(ListenPortEnv(endpoint.env, EndpointReference(resource, endpoint.name)))
    for ref in resource.annotations_of(ReferenceAnnotation):
        plan.env.extend(_reference_steps(ref))
    for annotation in resource.annotations:
        if isinstance(annotation, EnvironmentAnnotation):
            plan.env.append(EnvValue(annotation.name, annotation.value))
        elif isinstance(annotation, EnvironmentCallbackAnnotation):
            env_context = EnvironmentCallbackContext(resource, execution=execution)
            await _maybe_await(annotation.callback(env_context))
            for name, value in env_context.env.items():
                what = f"resource '{resource.name}' env callback ({name})"
                plan.env.append(EnvValue(name, as_value(value, what=what)))
        elif isinstance(annotation, ArgsAnnotation):
            plan.args.extend(annotation.args)
        elif isinstance(annotation, ArgsCallbackAnnotation):
            args_context = ArgsCallbackContext(resource, execution=execution)
            await _maybe_await(annotation.callback(args_context))
            what = f"resource '{resource.name}' args callback"
            plan.args.extend(as_value(a, what=what) for a in args_context.args)
    return plan
