"""Rendering a container resource into a Container object, every value resolved for a container.

Values resolve as a container sees the app (see :class:`ResolutionContext`), the environment is
only what pyspire sets (nothing inherited from the app host), ports are published on the host's
loopback for the proxy, and build secrets given as values go to the engine in files readable only
by the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pyspire.errors import PermanentError
from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.environment import Launch, TelemetryEnv, resolve_launch
from pyspire.executor.resolution import ResolutionContext
from pyspire.model.containers import BuildArgAnnotation, BuildSecretAnnotation
from pyspire.model.resources import ContainerResource
from pyspire.model.stop_signals import stop_signal_of
from pyspire.orchestrator.objects import (
    LABEL_RESOURCE,
    ContainerBuild,
    ContainerMount,
    PublishedPort,
    new_container,
)
from pyspire.orchestrator.store import Obj
from pyspire.runtime.files import write_atomic


class ContainerUnavailable(PermanentError, RuntimeError):
    """Containers cannot run in this app host (no engine, or its network failed); says why."""


@dataclass(frozen=True)
class ContainerSetup:
    """What every container of the run shares: the engine, its network and its labels."""

    host_alias: str
    network: str | None
    labels: Mapping[str, str]


async def render_container(
    resource: ContainerResource,
    ctx: ResolutionContext,
    addresses: EndpointAddresses,
    suffix: str,
    telemetry: TelemetryEnv,
    setup: ContainerSetup,
    secrets_dir: Path,
) -> tuple[Obj, Launch]:
    launch = await resolve_launch(resource, ctx, addresses, 0, suffix, telemetry)
    ports = [
        PublishedPort(
            service=a.service_name,
            hostIP="0.0.0.0" if not a.endpoint.proxied and a.endpoint.bind_host == "0.0.0.0" else "127.0.0.1",
            hostPort=a.target_ports[0],
            containerPort=a.listen_port(0),
            protocol=a.endpoint.protocol,
        )
        for a in addresses.for_resource(resource.name)
    ]
    mounts = [
        ContainerMount(kind=m.kind, source=m.source, target=m.target, readOnly=m.read_only)
        for m in resource.mounts
    ]
    for mount in resource.mounts:
        if mount.create and mount.source is not None:
            Path(mount.source).mkdir(mode=0o700, parents=True, exist_ok=True)
    build = await _build(resource, ctx, secrets_dir, suffix) if resource.build else None
    obj = new_container(
        f"{resource.name}-{suffix}",
        resource=resource.name,
        container_name=resource.container_name or f"{resource.name}-{suffix}",
        image=resource.image.reference,
        pull_policy=resource.pull_policy,
        build=build,
        entrypoint=resource.entrypoint,
        args=launch.args,
        env=launch.env,
        ports=ports,
        mounts=mounts,
        network=setup.network,
        aliases=[resource.name],
        extra_hosts={},
        runtime_args=resource.runtime_args,
        persistent=resource.persistent,
        labels={**setup.labels, LABEL_RESOURCE: resource.name},
        grace_period_seconds=resource.stop_grace_period,
        stop_signal=stop_signal_of(resource),
    )
    return obj, launch


async def _build(
    resource: ContainerResource, ctx: ResolutionContext, secrets_dir: Path, suffix: str
) -> ContainerBuild:
    build = resource.build
    assert build is not None
    args = {a.name: await ctx.resolve(a.value) for a in resource.annotations_of(BuildArgAnnotation)}
    secrets: dict[str, str] = {}
    for secret in resource.annotations_of(BuildSecretAnnotation):
        if secret.file is not None:
            secrets[secret.name] = str(secret.file)
        else:
            assert secret.value is not None
            value = await ctx.resolve(secret.value)
            ctx.secrets.add(value)
            secrets[secret.name] = str(write_secret(secrets_dir, f"{resource.name}-{suffix}-{secret.name}", value))
    return ContainerBuild(
        context=str(build.context),
        dockerfile=str(build.dockerfile) if build.dockerfile else None,
        stage=build.stage,
        args=args,
        secrets=secrets,
    )


def write_secret(folder: Path, name: str, value: str) -> Path:
    """Write ``value`` to a file only the user can read (the folder too)."""
    path = folder / name
    write_atomic(path, value, private_folder=True)
    return path
