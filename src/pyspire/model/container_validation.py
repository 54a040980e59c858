"""Validation rules for container resources, run with the rest before anything starts.

Paths are checked here (a bind-mount source, a build context) because a typo there otherwise
surfaces as an engine error minutes later, after a pull or a build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from pyspire.model.annotations import ReferenceAnnotation
from pyspire.model.containers import (
    LIFETIMES,
    PULL_POLICIES,
    BuildArgAnnotation,
    BuildSecretAnnotation,
    split_image,
)
from pyspire.model.endpoints import EndpointReference
from pyspire.model.errors import ModelProblem
from pyspire.model.lifecycle import HealthCheckAnnotation
from pyspire.model.resources import ContainerResource, Resource, RunnableResource

_ENGINE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
#: Repository paths are lowercase (a registry host may carry a port); tags may use uppercase.
_IMAGE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]*(:[0-9]+)?/[a-z0-9._/-]+$|^[a-z0-9][a-z0-9._/-]*$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def container_problems(resource: ContainerResource) -> Iterator[ModelProblem]:
    name = resource.name
    image = resource.image
    repository = (
        split_image(image.reference.split("@", 1)[0])[0]
        if "@" in image.reference
        else f"{image.registry.rstrip('/')}/{image.image}"
        if image.registry
        else image.image
    )
    if not _IMAGE_NAME.match(repository):
        yield ModelProblem(
            name,
            "image",
            f"{image.reference!r} is not an image reference; use [registry/]name[:tag] with a lowercase name",
        )
    if "@" not in image.reference and image.tag is not None and not _IMAGE_TAG.match(image.tag):
        yield ModelProblem(
            name, "image tag", f"{image.tag!r} is not a tag; use letters, digits, '_', '.', '-' (at most 128)"
        )
    if resource.pull_policy not in PULL_POLICIES:
        yield ModelProblem(
            name, "image_pull_policy", f"{resource.pull_policy!r}: use one of {', '.join(PULL_POLICIES)}"
        )
    if resource.lifetime not in LIFETIMES:
        yield ModelProblem(name, "lifetime", f"{resource.lifetime!r}: use 'session' or 'persistent'")
    container_name = resource.container_name
    if container_name is not None and not _ENGINE_NAME.match(container_name):
        yield ModelProblem(
            name, "container_name", f"{container_name!r}: use letters, digits, '_', '.', '-' only"
        )
    for endpoint in resource.endpoints:
        if endpoint.target_port is None:
            yield ModelProblem(
                name,
                f"endpoint '{endpoint.name}' target_port",
                "a container endpoint needs target_port: the port the server listens on inside the "
                "container (e.g. with_http_endpoint(target_port=80))",
            )
    yield from _mount_problems(resource)
    yield from _build_problems(resource)


def _mount_problems(resource: ContainerResource) -> Iterator[ModelProblem]:
    for mount in resource.mounts:
        field = f"{'bind mount' if mount.kind == 'bind' else 'volume'} {mount.target!r}"
        if not PurePosixPath(mount.target).is_absolute():
            yield ModelProblem(resource.name, field, "the target must be an absolute path in the container")
        if mount.kind == "bind":
            if mount.source is None or not (mount.create or Path(mount.source).exists()):
                yield ModelProblem(
                    resource.name,
                    f"{field} source",
                    f"{mount.source} does not exist; create it or fix the path (relative paths are "
                    "relative to the app host's folder)",
                )
        elif mount.source is not None and not _ENGINE_NAME.match(mount.source):
            yield ModelProblem(
                resource.name,
                f"{field} name",
                f"{mount.source!r} is not a volume name; use letters, digits, '_', '.', '-'",
            )


def _build_problems(resource: ContainerResource) -> Iterator[ModelProblem]:
    build = resource.build
    if build is None:
        for annotation in resource.annotations:
            if isinstance(annotation, BuildArgAnnotation | BuildSecretAnnotation):
                kind = "with_build_arg" if isinstance(annotation, BuildArgAnnotation) else "with_build_secret"
                yield ModelProblem(
                    resource.name,
                    f"{kind}({annotation.name!r})",
                    "only a container built from a Dockerfile has build inputs; use add_dockerfile",
                )
        return
    if not build.context.is_dir():
        yield ModelProblem(
            resource.name, "build context", f"{build.context} is not a folder; fix the context path"
        )
        return
    dockerfile = build.dockerfile or build.context / "Dockerfile"
    if not dockerfile.is_file():
        yield ModelProblem(
            resource.name, "dockerfile", f"{dockerfile} does not exist; create it or pass dockerfile="
        )
    for secret in resource.annotations_of(BuildSecretAnnotation):
        if secret.file is not None and not secret.file.is_file():
            yield ModelProblem(
                resource.name, f"with_build_secret({secret.name!r})", f"{secret.file} does not exist"
            )


def exec_check_problems(resource: Resource) -> Iterator[ModelProblem]:
    """Exec health checks run inside a container, so only containers may have them."""
    for check in resource.annotations_of(HealthCheckAnnotation):
        if check.kind != "exec":
            continue
        field = f"health check '{check.name}'"
        if not isinstance(resource, ContainerResource):
            yield ModelProblem(
                resource.name, field, "exec checks run inside a container; use an http, tcp or custom check"
            )
        elif not check.command:
            yield ModelProblem(resource.name, field, "the command is empty")


def unreachable_reference_problems(
    resource: Resource, used_endpoints: Iterable[tuple[str, EndpointReference]]
) -> Iterator[ModelProblem]:
    """A container reaches a host process through the proxy; a proxyless endpoint bound to
    loopback has no proxy, so the container could never connect. An endpoint a handler serves
    itself (not a process's) is the handler's to make reachable (it listens on
    ``HandlerContext.listen_addresses()``). ``used_endpoints``: the endpoints its env and args
    use, with the field each is in."""
    if not isinstance(resource, ContainerResource):
        return
    uses: list[tuple[str, Resource, str | None]] = [
        (f"with_reference({ref.target.name!r})", ref.target, ref.endpoint_name)
        for ref in resource.annotations_of(ReferenceAnnotation)
    ]
    uses += [(field, ref.resource, ref.endpoint_name) for field, ref in used_endpoints]
    for field, target, endpoint_name in uses:
        if isinstance(target, ContainerResource) or not isinstance(target, RunnableResource):
            continue
        for endpoint in target.endpoints:
            if endpoint_name and endpoint.name != endpoint_name:
                continue
            if not endpoint.proxied and endpoint.bind_host != "0.0.0.0":
                yield ModelProblem(
                    resource.name,
                    field,
                    f"endpoint '{target.name}/{endpoint.name}' is proxyless on {endpoint.bind_host}, which "
                    "a container cannot reach; keep it proxied or set target_host='*'",
                )
