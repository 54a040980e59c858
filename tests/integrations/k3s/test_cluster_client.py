"""The cluster's one API client and its health check, against a TLS listener that demands the
client certificate: healthy only once the API answers and every expected node is Ready; one
client and one connection for every check; a recreated cluster (new CA) regenerates the derived
files and rebuilds the client, closing the old one; a CA mismatch is StaleCredentials, nothing
listening ApiUnavailable; no key file is left on disk; stopping closes the client and removes a
session cluster's files."""

from __future__ import annotations

import socket

import pytest

from pyspire import DistributedApplication
from pyspire.errors import TemporaryError
from pyspire.integrations.k3s import ApiUnavailable, StaleCredentials, cluster_client
from pyspire.integrations.k3s.client import close_client
from pyspire.integrations.k3s.health import cluster_ready, node_readiness
from pyspire.integrations.k3s.lifecycle import release
from pyspire.integrations.k3s.paths import CONTAINER_KUBECONFIG
from tests.integrations.k3s.pki import make_pki
from tests.integrations.k3s.tls_api import TlsApi, node


class CheckContext:
    """What the app host hands a health check: here the endpoint's port resolves to ``port``."""

    def __init__(self, resource, port: int) -> None:
        self.resource = resource
        self.port = port
        self.lines: list[str] = []
        self.outputs: dict[str, str] = {}

    async def resolve(self, value) -> str:
        return str(self.port)

    def log(self, text: str) -> None:
        self.lines.append(text)

    def set_output(self, name: str, value: str, *, secret: bool = False) -> None:
        self.outputs[name] = value


@pytest.fixture
async def cluster(tmp_path):
    """A session cluster resource whose server has written its kubeconfig, with its API."""
    pki = make_pki()
    async with TlsApi(pki) as api:
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        k8s = b.add_k3s_cluster("k8s", api_port=api.port)
        k8s.paths.raw_dir.mkdir(parents=True)
        k8s.paths.raw_kubeconfig.write_bytes(pki.raw_kubeconfig())
        try:
            yield k8s, api, CheckContext(k8s.resource, api.port)
        finally:
            await close_client(k8s.paths)


async def test_healthy_once_the_api_answers_and_every_expected_node_is_ready(cluster):
    k8s, api, ctx = cluster
    k8s.with_agents(1)
    api.nodes = [node("k8s"), node("k8s-agent-0", ready=False)]
    assert await cluster_ready(ctx) == "1 of 2 nodes Ready; not Ready: k8s-agent-0"
    assert ctx.outputs == {}  # referencing resources keep waiting
    api.nodes[1] = node("k8s-agent-0")
    assert await cluster_ready(ctx) is None
    assert ctx.outputs == {"kubeconfig": str(k8s.paths.host_kubeconfig), "container_kubeconfig": CONTAINER_KUBECONFIG}
    assert api.requests[-2:] == ["/readyz", "/api/v1/nodes"]


async def test_every_check_uses_the_one_client_over_one_connection(cluster):
    k8s, api, ctx = cluster
    for _ in range(5):
        assert await cluster_ready(ctx) is None
    assert api.connections == 1 and len(api.requests) == 10
    client = cluster_client(k8s.paths)
    assert await cluster_ready(ctx) is None and cluster_client(k8s.paths) is client


async def test_a_recreated_cluster_regenerates_the_files_and_rebuilds_the_client(cluster, tmp_path):
    k8s, api, ctx = cluster
    assert await cluster_ready(ctx) is None
    old_client, old_host = cluster_client(k8s.paths), k8s.paths.host_kubeconfig.read_bytes()
    recreated = make_pki()
    async with TlsApi(recreated) as new_api:  # the new cluster, on another port meanwhile
        ctx.port = new_api.port
        assert "TLS" in (await cluster_ready(ctx) or "")  # the old file, the new server: refused
        k8s.paths.raw_kubeconfig.write_bytes(recreated.raw_kubeconfig())
        assert await cluster_ready(ctx) is None
        assert k8s.paths.host_kubeconfig.read_bytes() != old_host
        assert cluster_client(k8s.paths) is not old_client and old_client.http.is_closed
        assert any("client was rebuilt" in line for line in ctx.lines)


async def test_a_server_with_another_ca_is_stale_credentials_a_temporary_error(cluster):
    k8s, api, ctx = cluster
    assert await cluster_ready(ctx) is None
    async with TlsApi(make_pki()) as stranger:
        ctx.port = stranger.port
        message = await cluster_ready(ctx)
        assert message is not None and "waiting for the server's new kubeconfig" in message
        with pytest.raises(StaleCredentials) as caught:
            await cluster_client(k8s.paths).get_json("/api/v1/nodes")
        assert isinstance(caught.value, TemporaryError)


async def test_nothing_listening_is_api_unavailable(cluster):
    k8s, api, ctx = cluster
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        ctx.port = s.getsockname()[1]  # bound, not listening: refused
        message = await cluster_ready(ctx)
    assert message is not None and "does not answer" in message
    with pytest.raises(ApiUnavailable):
        await cluster_client(k8s.paths).get_text("/readyz")


async def test_no_client_key_file_is_left_on_disk(cluster):
    k8s, api, ctx = cluster
    assert await cluster_ready(ctx) is None
    assert not k8s.paths.client_dir.exists()
    on_disk = sorted(p.relative_to(k8s.paths.root).as_posix() for p in k8s.paths.root.rglob("*") if p.is_file())
    assert on_disk == ["container/kubeconfig.yaml", "host/kubeconfig.yaml", "raw/kubeconfig.yaml"]


async def test_no_client_before_the_first_check_and_none_after_release(cluster):
    k8s, api, ctx = cluster
    with pytest.raises(ApiUnavailable, match="has not become ready"):
        cluster_client(k8s.paths)
    assert await cluster_ready(ctx) is None
    client = cluster_client(k8s.paths)
    await release(k8s.resource)
    assert client.http.is_closed
    with pytest.raises(ApiUnavailable):
        cluster_client(k8s.paths)
    assert not any(p.exists() for p in (*k8s.paths.derived_files, k8s.paths.raw_kubeconfig))


async def test_release_of_a_persistent_cluster_keeps_its_files(cluster):
    k8s, api, ctx = cluster
    k8s.with_lifetime("persistent")
    assert await cluster_ready(ctx) is None
    await release(k8s.resource)
    assert all(p.exists() for p in (*k8s.paths.derived_files, k8s.paths.raw_kubeconfig))


def test_node_readiness_reads_the_ready_condition_of_each_node():
    nodes = {"items": [node("a"), node("b", ready=False), {"metadata": {"name": "c"}, "status": {}}]}
    assert node_readiness(nodes) == (["a"], ["b", "c"])
    assert node_readiness({"kind": "Status"}) == ([], [])
