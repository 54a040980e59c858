"""The builder ``add_container`` and ``add_dockerfile`` return.

Everything a process builder has (environment, arguments, endpoints, references, waits, health,
commands) plus what only containers have: image, build, mounts, entrypoint, lifetime, runtime args.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pyspire.model.arguments import Arg, shown
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
from pyspire.model.names import stable_volume_prefix
from pyspire.model.resources import ContainerResource
from pyspire.model.runnable_builder import RunnableBuilder
from pyspire.model.values import VALUE_KINDS, to_value


class ContainerBuilder(RunnableBuilder[ContainerResource]):
    """Builder of a container resource."""

    # -- image ---------------------------------------------------------------------------------

    def with_image(self, image: str, tag: str | None = None) -> Self:
        """Run ``image`` (with ``tag``, or the tag in ``image``, else ``latest``); keeps the registry."""
        if self._rejects(
            "with_image",
            Arg("image", image, "text", "with_image('redis:7.4')"),
            Arg("tag", tag, "text", "with_image('redis', tag='7.4')", optional=True),
        ):
            return self
        name, image_tag = split_image(image)
        current = self.resource.image
        return self._record(ContainerImageAnnotation(name, tag or image_tag or "latest", current.registry))

    def with_image_tag(self, tag: str) -> Self:
        if self._rejects("with_image_tag", Arg("", tag, "text", "with_image_tag('7.4')")):
            return self
        current = self.resource.image
        return self._record(ContainerImageAnnotation(current.image, tag, current.registry))

    def with_image_registry(self, registry: str) -> Self:
        """Pull from ``registry`` (``docker.io``, ``ghcr.io``, ``localhost:5000``)."""
        if self._rejects("with_image_registry", Arg("", registry, "text", "with_image_registry('ghcr.io')")):
            return self
        current = self.resource.image
        return self._record(ContainerImageAnnotation(current.image, current.tag, registry))

    def with_image_pull_policy(self, policy: PullPolicy) -> Self:
        """``missing`` (default): pull when absent; ``always``: pull at every start; ``never``:
        use only a local image."""
        if self._rejects("with_image_pull_policy", Arg("", policy, "text", "with_image_pull_policy('never')")):
            return self
        return self._record(ImagePullPolicyAnnotation(policy))

    # -- build ---------------------------------------------------------------------------------

    def with_build_arg(self, name: str, value: object) -> Self:
        """``--build-arg name=value`` for a Dockerfile build; ``value`` may be a parameter."""
        if self._rejects("with_build_arg", Arg("name", name, "text", "with_build_arg('VERSION', '1.2')")):
            return self
        normalised = to_value(value)
        if normalised is None:
            return self._reject(f"with_build_arg({name!r})", f"{shown(value)} is not a value; {VALUE_KINDS}")
        return self._record(BuildArgAnnotation(name, normalised))

    def with_build_secret(self, name: str, value_or_file: object) -> Self:
        """A build secret (``RUN --mount=type=secret,id=name``): a ``pathlib.Path`` is read from
        that file; anything else (a secret parameter, a string) is the value itself."""
        if self._rejects("with_build_secret", Arg("name", name, "text", "with_build_secret('npm-token', token)")):
            return self
        if isinstance(value_or_file, Path):
            return self._record(BuildSecretAnnotation(name, file=self.app.resolve_path(value_or_file)))
        value = to_value(value_or_file)
        if value is None:
            return self._reject(
                f"with_build_secret({name!r})",
                f"{shown(value_or_file)} is not a value; pass a secret parameter, a string or a pathlib.Path",
            )
        return self._record(BuildSecretAnnotation(name, value=value))

    # -- storage -------------------------------------------------------------------------------

    def with_bind_mount(
        self, source: str | Path, target: str, read_only: bool = False, *, create: bool = False
    ) -> Self:
        """Mount the host path ``source`` (relative to the app host) at ``target``. ``create``:
        ``source`` is a folder the app host creates (0700, with its parents) before each start
        when it is missing, instead of ``build()`` refusing a source that does not exist yet."""
        example = "with_bind_mount('./static', '/srv/static', read_only=True)"
        if self._rejects(
            "with_bind_mount",
            Arg("source", source, "path", example),
            Arg("target", target, "text", example),
            Arg("read_only", read_only, "flag", example),
            Arg("create", create, "flag", "with_bind_mount('./out', '/out', create=True)"),
        ):
            return self
        resolved = str(self.app.resolve_path(source))
        return self._record(ContainerMountAnnotation("bind", resolved, target, read_only, create))

    def stable_volume_name(self, suffix: str) -> str:
        """``<app folder>-<hash of its path>-<resource>-<suffix>`` (Aspire's scheme): the same on
        every run of this app host, different for another app host whose resource has the same
        name — what an integration's ``with_data_volume()`` names its volume."""
        return f"{stable_volume_prefix(self.app.resolve_path('.'))}{self.resource.name}-{suffix}"

    def with_volume(self, name: str | None, target: str, read_only: bool = False) -> Self:
        """Mount the named volume ``name`` at ``target`` (created on demand and kept across runs);
        ``None`` makes an anonymous volume that goes with the container."""
        example = "with_volume('redis-data', '/data')"
        if self._rejects(
            "with_volume",
            Arg("name", name, "text", example, optional=True),
            Arg("target", target, "text", example),
            Arg("read_only", read_only, "flag", example),
        ):
            return self
        return self._record(ContainerMountAnnotation("volume", name, target, read_only))

    # -- how it runs ---------------------------------------------------------------------------

    def with_entrypoint(self, entrypoint: str) -> Self:
        """Replace the image's entrypoint; ``with_args`` still supplies its arguments."""
        if self._rejects("with_entrypoint", Arg("", entrypoint, "text", "with_entrypoint('/bin/sh')")):
            return self
        return self._record(EntrypointAnnotation(entrypoint))

    def with_container_runtime_args(self, *args: str) -> Self:
        """Extra ``run`` arguments passed verbatim to podman/docker (``--cap-add``, ``--shm-size``)."""
        example = "with_container_runtime_args('--shm-size', '256m')"
        if self._rejects("with_container_runtime_args", *(_word(a, example) for a in args)):
            return self
        return self._record(ContainerRuntimeArgsAnnotation(tuple(str(a) for a in args)))

    def with_container_name(self, name: str) -> Self:
        """The container's name in the engine (default: the resource name plus a suffix)."""
        if self._rejects("with_container_name", Arg("", name, "text", "with_container_name('my-redis')")):
            return self
        return self._record(ContainerNameAnnotation(name))

    def with_lifetime(self, lifetime: Lifetime) -> Self:
        """``session`` (default): removed when the app host stops. ``persistent``: keeps running
        after the app host stops and is re-adopted by the next run when its configuration (image,
        env, args, ports, mounts) is unchanged, recreated when it changed."""
        if self._rejects("with_lifetime", Arg("", lifetime, "text", "with_lifetime('persistent')")):
            return self
        return self._record(LifetimeAnnotation(lifetime))

    def with_exec_health_check(self, *command: str, name: str | None = None) -> Self:
        """Healthy while ``command`` run inside the container exits 0 (``redis-cli ping``)."""
        example = "with_exec_health_check('redis-cli', 'ping')"
        if self._rejects(
            "with_exec_health_check",
            *(Arg("", word, "text", example) for word in command),
            Arg("name", name, "text", "name='ping'", optional=True),
        ):
            return self
        return self._record(
            HealthCheckAnnotation(name or f"exec:{' '.join(command)}", "exec", command=tuple(command))
        )


def _word(value: object, example: str) -> Arg:
    """A command-line word: text, or a number (``--shm-size``, ``64`` reads the same)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return Arg("", value, "text", example)
