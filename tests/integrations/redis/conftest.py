"""Fixtures of the Redis integration's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.containers.helpers import podman


@pytest.fixture
def volumes() -> Iterator[list[str]]:
    """Names of volumes a test created, removed (by name, never by prune) when it ends."""
    names: list[str] = []
    yield names
    for name in names:
        podman("volume", "rm", "-f", name)
