"""Annotations that say how an executable is published (``pyspire publish``); run mode ignores them.

A process runs from the host here, but a deployment runs images: an executable of the Python or
Node integration gets a generated Dockerfile, any other one must be told which image it is
(``with_image``) or which Dockerfile builds it (``publish_as_dockerfile``). Pure data, like every
annotation: recording one changes nothing about ``pyspire run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyspire.model.annotation import Annotation


@dataclass(frozen=True)
class PublishImageAnnotation(Annotation):
    """Publish the executable as this existing image (``registry/name:tag``); its arguments
    become the container's command."""

    image: str


@dataclass(frozen=True)
class PublishDockerfileAnnotation(Annotation):
    """Publish the executable as the image built from ``dockerfile`` (default
    ``context/Dockerfile``) in ``context``; its arguments become the container's command."""

    context: Path
    dockerfile: Path | None = None
    stage: str | None = None
