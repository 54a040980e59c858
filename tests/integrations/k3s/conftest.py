"""Fixtures of the k3s tests that need a real control plane: a podman network for the session and
one cluster per module (starting one takes seconds, so tests of one module share it). Each is
created under a name of its own and removed by that name when its scope ends."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.integrations.k3s.cluster import Cluster, ensure_images, podman, unique
from tests.integrations.k3s.endpoint_fixtures import HostHttpServer, KubeconfigApi


@pytest.fixture(scope="session")
def k3s_network() -> Iterator[str]:
    """A user-defined podman network (container-to-container DNS by name, as agents need)."""
    ensure_images()
    name = unique("net")
    podman("network", "create", name)
    yield name
    podman("network", "rm", "-f", name, check=False)


@pytest.fixture(scope="module")
def k3s_cluster(k3s_network: str) -> Iterator[Cluster]:
    """A Ready server for the module's tests (torn down, container and files, when it ends)."""
    cluster = Cluster(k3s_network, server_args=["--tls-san", "k3s.pyspire.test", "--disable", "traefik"])
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def volumes() -> Iterator[list[str]]:
    """Names of volumes a test created, removed (by name, never by prune) when it ends."""
    names: list[str] = []
    yield names
    for name in names:
        podman("volume", "rm", "-f", name, check=False)


@pytest.fixture(scope="module")
def cluster(k3s_cluster: Cluster) -> Cluster:
    """The module's cluster, by a shorter name (the service endpoint tests')."""
    return k3s_cluster


@pytest.fixture
def host_server() -> Iterator[HostHttpServer]:
    """A real HTTP server on the host, tagged for this test, for kwok to forward a pod to."""
    with HostHttpServer(f"hello from the host {secrets.token_hex(3)}") as server:
        yield server


@pytest.fixture
async def api(cluster: Cluster) -> AsyncIterator[KubeconfigApi]:
    """A client of the module's cluster made from its kubeconfig."""
    client = KubeconfigApi(cluster.kubeconfig_path)
    yield client
    await client.http.aclose()
