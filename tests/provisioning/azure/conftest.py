"""The real Azure SDK clients over the in-memory ARM of :mod:`.fake_arm` (a ``requests`` adapter
behind ``RequestsTransport``), with a fixed-token credential passed where ``DefaultAzureCredential``
would go: the clients' bearer-token policy still runs and the fake sees ``Authorization: Bearer``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

from pyspire.provisioning import ProvisioningController, ResourceSpec, SystemClock, deployments_file
from pyspire.provisioning.azure import REQUIRED, ArmBackend, AzureEnvironment
from tests.provisioning.azure.fake_arm import FakeArm

SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
LOCATION = "westeurope"
GROUP = "rg-app-dev"
TOKEN = "fixed-test-token-value"


class FixedToken:
    """A TokenCredential (the protocol DefaultAzureCredential implements) with one token; counts
    the times it was asked."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.asked = 0

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.asked += 1
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture
def arm() -> FakeArm:
    return FakeArm(SUBSCRIPTION)


@pytest.fixture
def credential() -> FixedToken:
    return FixedToken()


@pytest.fixture
def env() -> AzureEnvironment:
    return AzureEnvironment(name="dev", subscription=SUBSCRIPTION, location=LOCATION, resource_group=GROUP)


def transport_of(arm: FakeArm) -> RequestsTransport:
    return RequestsTransport(session=arm.session(), session_owner=False)


Make = Callable[..., ProvisioningController]


@pytest.fixture
async def make(env: AzureEnvironment, arm: FakeArm, credential: FixedToken, tmp_path: Path) -> AsyncIterator[Make]:
    """``make(specs, drift=False, **kw)``: a started controller on a fresh ARM backend (a new app
    host) over the shared fake ARM and one state file. All stopped at the end."""
    made: list[ProvisioningController] = []
    state = deployments_file(tmp_path, env.name)

    def factory(specs: Sequence[ResourceSpec], drift: bool = False, environment: AzureEnvironment | None = None, **kw: Any) -> ProvisioningController:
        e = environment or env
        backend = e.backend(0.01, credential=credential, transport=transport_of(arm))
        kw.setdefault("clock", SystemClock())
        c = ProvisioningController(e.scope(), specs, backend, state, required=REQUIRED, **kw)
        c.start(drift=drift)
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.stop()


def backend_of(arm: FakeArm, credential: Any, poll: float = 0.01) -> ArmBackend:
    env = AzureEnvironment("dev", SUBSCRIPTION, LOCATION, GROUP)
    return env.backend(poll, credential=credential, transport=transport_of(arm))
