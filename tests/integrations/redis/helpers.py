"""What the Redis integration's tests share: the image they run, cleanup of what they create, and
the client program referencing the server."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.helpers import podman

#: The Redis image the tests run instead of the official one (no image can be pulled here).
#: scripts/images/redis built under this branch's tag; point it at the final name
#: (``docker.io/library/redis:7.4``, tagged by scripts/containers.sh) once that is merged.
IMAGE = "localhost/pyspire-test/redis:h-redis"
IMAGE_CONTEXT = Path(__file__).parents[3] / "scripts" / "images" / "redis"
APPS = Path(__file__).parent / "apps"


def ensure_image() -> None:
    """Build the test image when it is absent (its layers are cached: well under a second)."""
    if subprocess.run(["podman", "image", "exists", IMAGE], check=False).returncode != 0:
        subprocess.run(["podman", "build", "-q", "-t", IMAGE, str(IMAGE_CONTEXT)], check=True, capture_output=True)


@pytest.fixture
def volumes() -> Iterator[list[str]]:
    """Names of volumes a test created, removed (by name, never by prune) when it ends."""
    names: list[str] = []
    yield names
    for name in names:
        podman("volume", "rm", "-f", name)
