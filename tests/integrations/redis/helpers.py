"""What the Redis integration's tests share: the image they run and the client program."""

from __future__ import annotations

from pathlib import Path

#: The image the tests run: the integration's default name. No image can be pulled here;
#: scripts/containers.sh builds a real Redis from Debian packages (scripts/images/redis) and tags
#: it with this name, so the default works offline.
IMAGE = "docker.io/library/redis:7.4"
APPS = Path(__file__).parent / "apps"
