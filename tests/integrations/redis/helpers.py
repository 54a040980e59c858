"""What the Redis integration's tests share: the image they run and the client program."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
