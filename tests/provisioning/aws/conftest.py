"""A real moto server (its HTTP server mode, on a free loopback port) for the whole session, reset
before every test; real boto3 clients pointed at it through the environment's endpoint override,
with credentials from boto3's standard chain (the environment variables set here)."""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from pyspire.provisioning import ProvisioningController, ResourceSpec, SystemClock, deployments_file
from pyspire.provisioning.aws import (
    REQUIRED,
    AwsClients,
    AwsEnvironment,
    CloudFormationBackend,
    apphost,
    environment,
)

REGION = "eu-west-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials through the standard chain (env), and no shared file or instance metadata to find."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-value")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def moto(moto_endpoint: str) -> str:
    """The endpoint, with moto's state wiped (POST /moto-api/reset) so tests don't see each other."""
    req = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    return moto_endpoint


@pytest.fixture
def env(moto: str) -> AwsEnvironment:
    return AwsEnvironment(name="dev", region=REGION, stack_prefix="app-dev", endpoint_url=moto)


@pytest.fixture
def clients(env: AwsEnvironment) -> AwsClients:
    """Clients for the test's own boto3 checks (separate from the backend's)."""
    return env.clients()


class CallLog:
    """Every AWS operation a backend's clients make, by service, seen through boto3's event hooks."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def hook(self, model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name))

    def names(self, service: str) -> list[str]:
        return [op for s, op in self.calls if s == service]

    def writes(self) -> list[str]:
        """CloudFormation operations that change something."""
        return [op for op in self.names("cloudformation") if not op.startswith(("Describe", "List", "Get"))]


class ObservedClients(AwsClients):
    """AwsClients whose every client reports its calls to one :class:`CallLog`."""

    def __init__(self, log: CallLog, *args: Any) -> None:
        super().__init__(*args)
        self.log = log

    def client(self, service: str, region: str | None = None) -> Any:
        fresh = (service, region or self.region) not in self._clients
        c = super().client(service, region)
        if fresh:
            c.meta.events.register("before-call", self.log.hook)
        return c


Make = Callable[..., tuple[ProvisioningController, CallLog]]


@pytest.fixture
async def make(env: AwsEnvironment, tmp_path: Path) -> AsyncIterator[Make]:
    """``make(specs, drift=False, **kw)``: a started controller on a fresh CloudFormation backend (a
    new app host) sharing one state file; its calls logged. All stopped at the end."""
    made: list[ProvisioningController] = []
    state = deployments_file(tmp_path, env.name)

    def factory(
        specs: Sequence[ResourceSpec],
        drift: bool = False,
        environment: AwsEnvironment | None = None,
        **kw: Any,
    ) -> tuple[ProvisioningController, CallLog]:
        e = environment or env
        log = CallLog()
        backend = CloudFormationBackend(
            ObservedClients(log, e.region, e.endpoint_url, e.profile), poll_interval=0.05
        )
        kw.setdefault("clock", SystemClock())
        c = ProvisioningController(e.scope("123456789012"), specs, backend, state, required=REQUIRED, **kw)
        c.start(drift=drift)
        made.append(c)
        return c, log

    yield factory
    for c in made:
        await c.stop()


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Every AWS call (CloudFormation, STS, S3, …) of the clients ``add_aws_environment`` builds
    in the app host (it runs in the test's process), in order."""
    log = CallLog()

    def observed(*args: Any) -> ObservedClients:
        return ObservedClients(log, *args)

    monkeypatch.setattr(apphost, "AwsClients", observed)
    monkeypatch.setattr(environment, "AwsClients", observed)
    return log
