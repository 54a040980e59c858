"""The builder ``add_container`` and ``add_dockerfile`` return.

Everything a process builder has (environment, arguments, endpoints, references, waits, health,
commands) plus what only containers have: image, build, mounts, entrypoint, lifetime, runtime args.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pyspire.model.containers import (
    BuildArgAnnotation,
    BuildSecretAnnotation,
    ContainerImageAnnotation,
    ContainerMountAnnotation,
    ContainerNameAnnotation,
    ContainerRuntimeArgsAnnotation,
    EntrypointAnnotation,
    ImagePullPolicyAnnotation,
    Lifetime,
    LifetimeAnnotation,
    PullPolicy,
    split_image,
)
from pyspire.model.lifecycle import HealthCheckAnnotation
from pyspire.model.resources import ContainerResource
from pyspire.model.runnable_builder import RunnableBuilder
from pyspire.model.values import as_value


class ContainerBuilder(RunnableBuilder[ContainerResource]):
    """Builder of a container resource."""

    # -- image ---------------------------------------------------------------------------------

    def with_image(self, image: str, tag: str | None = None) -> Self:
        """Run ``image`` (with ``tag``, or the tag in ``image``, else ``latest``); keeps the registry."""
        name, image_tag = split_image(image)
        current = self.resource.image
        self.resource.annotations.append(
            ContainerImageAnnotation(name, tag or image_tag or "latest", current.registry)
        )
        return self

    def with_image_tag(self, tag: str) -> Self:
        current = self.resource.image
        self.resource.annotations.append(ContainerImageAnnotation(current.image, tag, current.registry))
        return self

    def with_image_registry(self, registry: str) -> Self:
        """Pull from ``registry`` (``docker.io``, ``ghcr.io``, ``localhost:5000``)."""
        current = self.resource.image
        self.resource.annotations.append(ContainerImageAnnotation(current.image, current.tag, registry))
        return self

    def with_image_pull_policy(self, policy: PullPolicy) -> Self:
        """``missing`` (default): pull when absent; ``always``: pull at every start; ``never``:
        use only a local image."""
        self.resource.annotations.append(ImagePullPolicyAnnotation(policy))
        return self

    # -- build ---------------------------------------------------------------------------------

    def with_build_arg(self, name: str, value: object) -> Self:
        """``--build-arg name=value`` for a Dockerfile build; ``value`` may be a parameter."""
        self.resource.annotations.append(
            BuildArgAnnotation(name, as_value(value, what=f"resource '{self.name}' with_build_arg({name!r})"))
        )
        return self

    def with_build_secret(self, name: str, value_or_file: object) -> Self:
        """A build secret (``RUN --mount=type=secret,id=name``): a ``pathlib.Path`` is read from
        that file; anything else (a secret parameter, a string) is the value itself."""
        if isinstance(value_or_file, Path):
            annotation = BuildSecretAnnotation(name, file=self.app.resolve_path(value_or_file))
        else:
            value = as_value(value_or_file, what=f"resource '{self.name}' with_build_secret({name!r})")
            annotation = BuildSecretAnnotation(name, value=value)
        self.resource.annotations.append(annotation)
        return self

    # -- storage -------------------------------------------------------------------------------

    def with_bind_mount(self, source: str | Path, target: str, read_only: bool = False) -> Self:
        """Mount the host path ``source`` (relative to the app host) at ``target``."""
        self.resource.annotations.append(
            ContainerMountAnnotation("bind", str(self.app.resolve_path(source)), target, read_only)
        )
        return self

    def with_volume(self, name: str | None, target: str, read_only: bool = False) -> Self:
        """Mount the named volume ``name`` at ``target`` (created on demand and kept across runs);
        ``None`` makes an anonymous volume that goes with the container."""
        self.resource.annotations.append(ContainerMountAnnotation("volume", name, target, read_only))
        return self

    # -- how it runs ---------------------------------------------------------------------------

    def with_entrypoint(self, entrypoint: str) -> Self:
        """Replace the image's entrypoint; ``with_args`` still supplies its arguments."""
        self.resource.annotations.append(EntrypointAnnotation(entrypoint))
        return self

    def with_container_runtime_args(self, *args: str) -> Self:
        """Extra ``run`` arguments passed verbatim to podman/docker (``--cap-add``, ``--shm-size``)."""
        self.resource.annotations.append(ContainerRuntimeArgsAnnotation(tuple(str(a) for a in args)))
        return self

    def with_container_name(self, name: str) -> Self:
        """The container's name in the engine (default: the resource name plus a suffix)."""
        self.resource.annotations.append(ContainerNameAnnotation(name))
        return self

    def with_lifetime(self, lifetime: Lifetime) -> Self:
        """``session`` (default): removed when the app host stops. ``persistent``: keeps running
        after the app host stops and is re-adopted by the next run when its configuration (image,
        env, args, ports, mounts) is unchanged, recreated when it changed."""
        self.resource.annotations.append(LifetimeAnnotation(lifetime))
        return self

    def with_exec_health_check(self, *command: str, name: str | None = None) -> Self:
        """Healthy while ``command`` run inside the container exits 0 (``redis-cli ping``)."""
        self.resource.annotations.append(
            HealthCheckAnnotation(name or f"exec:{' '.join(command)}", "exec", command=tuple(command))
        )
        return self
