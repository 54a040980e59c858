"""Fixtures for the provisioning controller's tests: a fake cloud, a client of it, a hand-moved
clock, and a factory for controllers sharing one state file (a new one = a restarted app host)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pyspire.provisioning import OutputRef, ProvisioningController, ResourceSpec, Scope, deployments_file
from tests.provisioning.fake_backend import FakeBackend, FakeCloud, ManualClock

SCOPE = Scope(environment="dev", account="111122223333", region="eu-west-1", group="app-dev")


def chain_specs() -> list[ResourceSpec]:
    """a (independent), b, and c which takes b's name as a parameter."""
    return [
        ResourceSpec("a", "fake:bucket", {"type": "bucket"}),
        ResourceSpec("b", "fake:queue", {"type": "queue"}),
        ResourceSpec("c", "fake:table", {"type": "table"}, {"queue": OutputRef("b", "name")}),
    ]


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return deployments_file(tmp_path, "dev")


Factory = Callable[..., tuple[ProvisioningController, FakeBackend]]


@pytest.fixture
async def make(cloud: FakeCloud, clock: ManualClock, state_path: Path) -> AsyncIterator[Factory]:
    """``make(specs=..., drift=False, **controller kwargs)``: a started controller on a fresh client
    of the shared cloud and the shared state file. Every one is stopped at the end."""
    made: list[ProvisioningController] = []

    def factory(
        specs: Sequence[ResourceSpec] | None = None, drift: bool = False, scope: Scope = SCOPE, **kw: Any
    ) -> tuple[ProvisioningController, FakeBackend]:
        backend = FakeBackend(cloud)
        kw.setdefault("clock", clock)
        c = ProvisioningController(scope, specs if specs is not None else chain_specs(), backend, state_path, **kw)
        c.start(drift=drift)
        made.append(c)
        return c, backend

    yield factory
    for c in made:
        await c.stop()
