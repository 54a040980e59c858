"""Annotations that only container resources carry: image, build, mounts, lifetime, runtime args.

Pure data like every annotation. The executor renders them into a Container object; the
orchestrator's Container controller turns that into podman/docker calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyspire.model.annotations import Annotation
from pyspire.model.values import ValueProvider

PullPolicy = Literal["missing", "always", "never"]
Lifetime = Literal["session", "persistent"]
MountKind = Literal["bind", "volume"]

PULL_POLICIES: tuple[str, ...] = ("missing", "always", "never")
LIFETIMES: tuple[str, ...] = ("session", "persistent")


@dataclass(frozen=True)
class ContainerImageAnnotation(Annotation):
    """The image to run: ``registry/image:tag`` (registry optional; tag defaults to ``latest``)."""

    image: str
    tag: str | None = None
    registry: str | None = None

    @property
    def reference(self) -> str:
        """The full reference passed to the engine."""
        image = f"{self.registry.rstrip('/')}/{self.image}" if self.registry else self.image
        if "@" in image:
            return image  # pinned by digest
        return f"{image}:{self.tag}" if self.tag else image


def split_image(image: str) -> tuple[str, str | None]:
    """``redis:7.4`` → (``redis``, ``7.4``); a registry port (``host:5000/x``) is not a tag."""
    if "@" in image:
        return image, None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = image.rsplit(":", 1)
        return name, tag
    return image, None


@dataclass(frozen=True)
class ImagePullPolicyAnnotation(Annotation):
    """``missing`` pulls only an absent image; ``always`` pulls each start; ``never`` only uses
    a local image (what an offline machine needs)."""

    policy: PullPolicy


@dataclass(frozen=True)
class DockerfileBuildAnnotation(Annotation):
    """Build the image from ``dockerfile`` (default ``context/Dockerfile``) before starting."""

    context: Path
    dockerfile: Path | None = None
    stage: str | None = None


@dataclass(frozen=True)
class BuildArgAnnotation(Annotation):
    """``--build-arg name=value``; the value may be a parameter."""

    name: str
    value: str | ValueProvider


@dataclass(frozen=True)
class BuildSecretAnnotation(Annotation):
    """``--secret id=name``: from a file (``Path``) or a value (a secret parameter, a string).

    Values are handed to the engine in a file readable only by the user, never on a command line.
    """

    name: str
    value: str | ValueProvider | None = None
    file: Path | None = None


@dataclass(frozen=True)
class ContainerMountAnnotation(Annotation):
    """A bind mount (``source`` a host path) or a volume (``source`` its name, None = anonymous).

    ``create``: a bind-mount folder the app host creates (0700) before the container starts, for
    a folder the container writes into that does not exist before the first run (the k3s
    server's kubeconfig folder); without it a missing source is a model error."""

    kind: MountKind
    source: str | None
    target: str
    read_only: bool = False
    create: bool = False


@dataclass(frozen=True)
class EntrypointAnnotation(Annotation):
    """Replaces the image's entrypoint."""

    entrypoint: str


@dataclass(frozen=True)
class ContainerRuntimeArgsAnnotation(Annotation):
    """Arguments passed verbatim to ``podman run`` / ``docker run`` before the image."""

    args: tuple[str, ...]


@dataclass(frozen=True)
class ContainerNameAnnotation(Annotation):
    """The container's name in the engine (default: resource name plus a suffix)."""

    name: str


@dataclass(frozen=True)
class LifetimeAnnotation(Annotation):
    """``session`` containers go with the app host; ``persistent`` ones outlive it and are
    re-adopted by the next run when their configuration is unchanged."""

    lifetime: Lifetime
