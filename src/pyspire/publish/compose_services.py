"""One Compose service from one published resource: image or build, command, environment, ports,
volumes, start order, healthcheck, replicas, restart and stop settings.

Everything is rendered from the same launch plan ``pyspire run`` resolves (see
:mod:`pyspire.extensions`' ``render_launch``), so the published env and args are the ones the
process gets here, minus run-mode policy. Paths on this machine are made relative to the output
folder, named volumes lose the per-machine prefix of ``with_data_volume``, so the file is the
same wherever it is generated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspire.extensions import RenderedLaunch
from pyspire.model.annotations import StopGracePeriodAnnotation, StopSignalAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.lifecycle import RestartPolicyAnnotation
from pyspire.model.names import stable_volume_prefix
from pyspire.model.resources import ContainerResource, RunnableResource
from pyspire.publish.compose_context import compose_literal
from pyspire.publish.healthchecks import seconds
from pyspire.publish.plan import Build, PublishedResource

NETWORK = "pyspire"
RESTART = {"never": "no", "on_failure": "on-failure", "always": "always"}


@dataclass
class ServiceContext:
    """What every service of one publish shares: where files go, the named volumes met so far."""

    out_dir: Path
    app_dir: Path
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[ModelProblem] = field(default_factory=list)

    def relative(self, path: Path) -> str:
        """``path`` relative to the output folder, with ``/`` (Compose resolves it from there)."""
        relative = os.path.relpath(path, self.out_dir)
        return Path(relative).as_posix()


def compose_service(
    entry: PublishedResource,
    rendered: RenderedLaunch,
    depends: Mapping[str, dict[str, str]],
    healthcheck: dict[str, Any] | None,
    ctx: ServiceContext,
    extra_volumes: Sequence[str] = (),
    generated_dockerfile: str | None = None,
    build_args: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The service mapping, its keys in a fixed order; ``extra_volumes``: mounts of files the
    publish generates (a PostgreSQL server's init script); ``generated_dockerfile``: where the
    Dockerfile pyspire wrote for it is, relative to the output folder; ``build_args``: its
    ``with_build_arg`` values, rendered."""
    resource = entry.resource
    assert isinstance(resource, RunnableResource)  # only runnable resources are services
    service: dict[str, Any] = {}
    if entry.image is not None:
        service["image"] = compose_literal(entry.image)
    if entry.build is not None:
        service["build"] = _build(entry.build, generated_dockerfile, ctx)
        if build_args:
            service["build"]["args"] = dict(build_args)
    if isinstance(resource, ContainerResource) and resource.entrypoint is not None:
        service["entrypoint"] = [compose_literal(resource.entrypoint)]
    if rendered.args:
        service["command"] = list(rendered.args)
    if rendered.env:
        service["environment"] = dict(rendered.env)
    ports, expose = _ports(resource, entry.ports, ctx)
    if ports:
        service["ports"] = ports
    if expose:
        service["expose"] = expose
    volumes = _volumes(resource, ctx) + list(extra_volumes)
    if volumes:
        service["volumes"] = volumes
    if depends:
        service["depends_on"] = dict(depends)
    if healthcheck is not None:
        service["healthcheck"] = healthcheck
    if resource.replicas != 1:
        # ``mode`` is the spec's default, said anyway: podman-compose starts replicas only then
        service["deploy"] = {"mode": "replicated", "replicas": resource.replicas}
    restart = resource.last_annotation(RestartPolicyAnnotation)
    if restart is not None:
        service["restart"] = RESTART[restart.policy]
    if entry.generator == "node":
        # Node as PID 1 has no handler for SIGTERM or SIGINT, and the kernel drops them: a stop
        # would wait out the grace period and kill. The engine's init (tini, catatonit) is PID 1.
        service["init"] = True
    signal = resource.last_annotation(StopSignalAnnotation)
    if signal is not None:
        service["stop_signal"] = signal.signal
    grace = resource.last_annotation(StopGracePeriodAnnotation)
    if grace is not None:
        service["stop_grace_period"] = seconds(grace.seconds)
    service["networks"] = [NETWORK]
    return service


def _build(build: Build, generated: str | None, ctx: ServiceContext) -> dict[str, Any]:
    section: dict[str, Any] = {"context": ctx.relative(build.context)}
    if generated is not None:
        section["dockerfile"] = Path(os.path.relpath(ctx.out_dir / generated, build.context)).as_posix()
    elif build.dockerfile is not None:
        section["dockerfile"] = Path(os.path.relpath(build.dockerfile, build.context)).as_posix()
    if build.stage is not None:
        section["target"] = build.stage
    return section


def _ports(
    resource: RunnableResource, listening: Mapping[str, int], ctx: ServiceContext
) -> tuple[list[str], list[str]]:
    """Host-published ports (endpoints given a fixed ``port``) and in-network ones (the rest)."""
    published: list[str] = []
    expose: list[str] = []
    for endpoint in resource.endpoints:
        target = listening[endpoint.name]
        suffix = "/udp" if endpoint.protocol == "udp" else ""
        if endpoint.port is None:
            expose.append(f"{target}{suffix}")
            continue
        if resource.replicas != 1:
            ctx.problems.append(
                ModelProblem(
                    resource.name,
                    f"endpoint {endpoint.name} port",
                    f"{resource.replicas} replicas cannot all listen on host port {endpoint.port} once "
                    "published (pyspire run puts a proxy in front of them, Compose does not); "
                    f"drop port={endpoint.port} to keep the endpoint in-network, or use one replica",
                    resource.origin_of(),
                )
            )
            continue
        published.append(f"{endpoint.port}:{target}{suffix}")
    return published, expose


def _volumes(resource: RunnableResource, ctx: ServiceContext) -> list[str]:
    if not isinstance(resource, ContainerResource):
        return []
    prefix = stable_volume_prefix(ctx.app_dir)
    mounts: list[str] = []
    for mount in resource.mounts:
        mode = ":ro" if mount.read_only else ""
        if mount.kind == "bind":
            assert mount.source is not None  # a bind mount always has a source
            source = ctx.relative(Path(mount.source))
            source = source if source.startswith(".") else f"./{source}"  # else Compose reads a volume name
            mounts.append(f"{source}:{mount.target}{mode}")
        elif mount.source is None:
            mounts.append(f"{mount.target}{mode}")
        else:
            name = mount.source.removeprefix(prefix)
            ctx.volumes.setdefault(name, {})
            mounts.append(f"{name}:{mount.target}{mode}")
    return mounts
