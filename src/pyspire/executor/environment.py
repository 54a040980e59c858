"""The environment and arguments one replica starts with.

Conventions (see shared/reference/app-host-semantics.md), applied in this order so that what the
user sets explicitly wins:

1. for processes, the app host's own environment (minus its ``Parameters__*`` /
   ``ConnectionStrings__*``), added by the Executable controller at spawn so that it never shows
   in the object API (see :mod:`pyspire.runtime.ambient`); containers get only what follows,
2. ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES=service.instance.id=<suffix>``, plus
   whatever the telemetry seam adds (the OTLP exporter, once the dashboard exists),
3. ``env=`` of each endpoint: the port this replica must listen on,
4. ``with_reference``: ``services__{name}__{endpoint}__0`` and ``{NAME}_{ENDPOINT}`` for endpoints;
   ``ConnectionStrings__{name}`` and ``{NAME}_HOST`` … for connection strings,
5. ``with_env`` values and callbacks, in the order recorded.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.connection_strings import SECRET_PROPERTIES, connection_properties
from pyspire.executor.resolution import ResolutionContext
from pyspire.executor.snapshots import MASK, EnvVar
from pyspire.model.annotations import (
    ArgsAnnotation,
    ArgsCallbackAnnotation,
    ArgsCallbackContext,
    EnvironmentAnnotation,
    EnvironmentCallbackAnnotation,
    EnvironmentCallbackContext,
    ReferenceAnnotation,
)
from pyspire.model.endpoints import EndpointReference
from pyspire.model.names import env_name_part
from pyspire.model.resources import ConnectionStringResource, ExecutableResource, Resource, RunnableResource
from pyspire.model.values import ValueProvider, as_value

#: Extra variables for a replica (resource, replica suffix) → env; the dashboard's OTLP exporter
#: settings plug in here.
TelemetryEnv = Callable[[Resource, str], Mapping[str, str]]

def no_telemetry(resource: Resource, suffix: str) -> Mapping[str, str]:
    return {}


@dataclass
class Launch:
    """What a replica is started with: the variables and arguments pyspire set (the app host's
    own environment is added at spawn); ``shown_env`` is the same variables, secrets masked."""

    args: list[str]
    env: dict[str, str]
    shown_env: tuple[EnvVar, ...]
    secrets: set[str] = field(default_factory=set)


class _EnvBuilder:
    def __init__(self, ctx: ResolutionContext) -> None:
        self.ctx = ctx
        self.values: dict[str, str] = {}
        self.secret_names: set[str] = set()

    def set(self, name: str, value: str, secret: bool = False) -> None:
        self.values[name] = value
        if secret:
            self.secret_names.add(name)
            self.ctx.secrets.add(value)
        else:
            self.secret_names.discard(name)

    async def set_value(self, name: str, value: str | ValueProvider) -> None:
        resolved = await self.ctx.resolve(value)
        self.set(name, resolved, secret=not isinstance(value, str) and value.is_secret)


async def _maybe_await(result: object) -> None:
    if inspect.isawaitable(result):
        await result


async def _add_reference(env: _EnvBuilder, ref: ReferenceAnnotation, addresses: EndpointAddresses) -> None:
    target = ref.target
    name = ref.env_name
    if isinstance(target, ConnectionStringResource):
        value = await env.ctx.resolve(target)
        env.set(f"ConnectionStrings__{name}", value, secret=target.is_secret)
        for prop, prop_value in connection_properties(value).items():
            env.set(
                f"{env_name_part(name)}_{prop}",
                prop_value,
                secret=target.is_secret and prop in SECRET_PROPERTIES,
            )
        return
    for allocation in addresses.for_resource(target.name):
        endpoint = allocation.endpoint.name
        if ref.endpoint_name and endpoint != ref.endpoint_name:
            continue
        url = await env.ctx.resolve(EndpointReference(target, endpoint))
        env.set(f"services__{name}__{endpoint}__0", url)
        env.set(f"{env_name_part(name)}_{env_name_part(endpoint)}", url)


async def resolve_launch(
    resource: RunnableResource,
    ctx: ResolutionContext,
    addresses: EndpointAddresses,
    replica_index: int,
    suffix: str,
    telemetry: TelemetryEnv = no_telemetry,
) -> Launch:
    """Resolve every value the replica needs, waiting (and saying so) for what is not known yet."""
    env = _EnvBuilder(ctx)
    env.set("OTEL_SERVICE_NAME", resource.name)
    env.set("OTEL_RESOURCE_ATTRIBUTES", f"service.instance.id={suffix}")
    for name, value in telemetry(resource, suffix).items():
        env.set(name, value)
    if isinstance(resource, ExecutableResource) and Path(resource.command).name.startswith("python"):
        # A Python child whose stdout is a pipe buffers 8 KiB before writing: its log would lag.
        env.set("PYTHONUNBUFFERED", "1")
    for allocation in addresses.for_resource(resource.name):
        if allocation.endpoint.env:
            env.set(allocation.endpoint.env, str(allocation.listen_port(replica_index)))
    for ref in resource.annotations_of(ReferenceAnnotation):
        await _add_reference(env, ref, addresses)

    args: list[str] = []
    for annotation in resource.annotations:
        if isinstance(annotation, EnvironmentAnnotation):
            await env.set_value(annotation.name, annotation.value)
        elif isinstance(annotation, EnvironmentCallbackAnnotation):
            env_context = EnvironmentCallbackContext(resource)
            await _maybe_await(annotation.callback(env_context))
            for name, value in env_context.env.items():
                await env.set_value(
                    name, as_value(value, what=f"resource '{resource.name}' env callback ({name})")
                )
        elif isinstance(annotation, ArgsAnnotation):
            args.extend([await ctx.resolve(a) for a in annotation.args])
        elif isinstance(annotation, ArgsCallbackAnnotation):
            args_context = ArgsCallbackContext(resource)
            await _maybe_await(annotation.callback(args_context))
            args.extend(
                [
                    await ctx.resolve(as_value(a, what=f"resource '{resource.name}' args callback"))
                    for a in args_context.args
                ]
            )

    shown = tuple(
        EnvVar(name, MASK if name in env.secret_names else value, name in env.secret_names)
        for name, value in env.values.items()
    )
    return Launch(args, env.values, shown, ctx.secrets)


def mask_secrets(text: str, secrets: set[str]) -> str:
    """Replace every secret value in ``text`` (for messages built from resolved values)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text
