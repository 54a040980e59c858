"""The endpoint's connections share one SPDY tunnel per pod, against a real control plane (the API
server tunnels the websocket's bytes to kwok's SPDY side): many concurrent connections are all
answered through one tunnel, a connection the pod side refuses fails alone, and a replaced pod
gets a tunnel of its own while the endpoint keeps answering."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from pyspire import testing
from pyspire.integrations.k3s.forwarder import Upstream
from pyspire.integrations.k3s.pod_stream import PodPort, PortForwardError
from pyspire.integrations.k3s.pod_tunnel import PodTunnels, TunnelStream
from tests.integrations.k3s.cluster import Cluster, wait_for
from tests.integrations.k3s.endpoint_fixtures import (
    HostHttpServer,
    KubeconfigApi,
    apply,
    harness_cluster_handler,
    ready_pods,
    web_manifest,
)
from tests.integrations.k3s.test_service_endpoint_forwarding import _app

TUNNEL_OPENED = "port-forward tunnel to pod default/"


def _deploy(cluster: Cluster, server: HostHttpServer, folder: Path) -> tuple[str, str]:
    """A Deployment + Service forwarded to ``server``; its name and its ready pod."""
    name = f"web-{secrets.token_hex(3)}"
    apply(cluster, web_manifest(name, server.port), folder)
    (pod,) = wait_for("a ready pod", lambda: ready_pods(cluster, name), timeout=60)
    return name, pod


async def _get(port: int, path: str, until: bytes) -> bytes:
    """One request on a new connection, read up to ``until`` (kwok does not end a stream when the
    server closes, as kubelets do not)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n".encode())
        return await asyncio.wait_for(reader.readuntil(until), 30)
    finally:
        writer.close()


async def _download(port: int, size: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET /bytes/{size} HTTP/1.1\r\nHost: web\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        assert head.startswith(b"HTTP/1.1 200") and f"Content-Length: {size}".encode() in head
        body = await asyncio.wait_for(reader.readexactly(size), 60)
        assert body == b"x" * size
        return len(body)
    finally:
        writer.close()


async def test_fifty_concurrent_connections_and_four_downloads_share_one_tunnel_and_all_are_answered(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    name, pod = _deploy(cluster, host_server, tmp_path)
    b, _endpoint = _app(tmp_path, api, name)
    with harness_cluster_handler():
        async with testing.start(b) as app:
            await app.wait_for_healthy("web", timeout=30)
            port = int(app.endpoint_url("web", "http").rsplit(":", 1)[1])
            tag = host_server.tag.encode()
            size = 8 << 20
            answers = await asyncio.gather(
                *(_get(port, "/", tag) for _ in range(50)), *(_download(port, size) for _ in range(4))
            )
            assert all(a.startswith(b"HTTP/1.1 200") and a.endswith(tag) for a in answers[:50])  # type: ignore[union-attr]
            assert answers[50:] == [size] * 4
            opened = [line for line in app.log_text("web").splitlines() if TUNNEL_OPENED in line]
            assert len(opened) == 1 and f"{TUNNEL_OPENED}{pod} open" in opened[0], opened
            assert "ended:" not in app.log_text("web")
    assert [t.get_name() for t in asyncio.all_tasks() if "tunnel" in t.get_name()] == []


async def test_a_replaced_pod_gets_its_own_tunnel_and_the_endpoint_keeps_answering(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    name, first = _deploy(cluster, host_server, tmp_path)
    b, _endpoint = _app(tmp_path, api, name)
    tag = host_server.tag.encode()
    with harness_cluster_handler():
        async with testing.start(b) as app:
            await app.wait_for_healthy("web", timeout=30)
            port = int(app.endpoint_url("web", "http").rsplit(":", 1)[1])
            assert (await _get(port, "/", tag)).endswith(tag)
            cluster.kubectl("delete", "pod", first, "--wait=false")
            (second,) = wait_for(
                "the replacement pod", lambda: [p for p in ready_pods(cluster, name) if p != first], timeout=60
            )
            await app.wait_for_log("web", f"forwarding to pod default/{second} port 8080", timeout=30)
            answers = await asyncio.gather(*(_get(port, "/", tag) for _ in range(10)))
            assert all(a.endswith(tag) for a in answers)
            await app.wait_for_log("web", f"{TUNNEL_OPENED}{second} open", timeout=10)
            assert sum(TUNNEL_OPENED in line for line in app.log_text("web").splitlines()) == 2


async def _read_until(stream: Upstream, until: bytes) -> bytes:
    data = b""
    while until not in data:
        chunk = await asyncio.wait_for(stream.read(), 10)
        assert chunk, f"the stream ended after {data!r}"
        data += chunk
    return data


async def test_a_connection_the_pod_side_refuses_fails_alone_with_kwoks_reason(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    _name, pod = _deploy(cluster, host_server, tmp_path)
    await asyncio.sleep(1.0)  # kwok's PortForward object follows the pod within 0.5 s
    log: list[str] = []
    tunnels = PodTunnels("t", log.append)
    request = b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
    tag = host_server.tag.encode()
    try:
        async with tunnels.open(api, PodPort("default", pod, 8080)) as good:
            assert isinstance(good, TunnelStream)
            await good.write(request)
            assert (await _read_until(good, tag)).endswith(tag)
            with pytest.raises(PortForwardError) as raised:
                async with tunnels.open(api, PodPort("default", pod, 9999)) as refused:  # kwok forwards 8080 only
                    assert isinstance(refused, TunnelStream) and refused.tunnel is good.tunnel, "the same tunnel"
                    await refused.write(request)
                    await asyncio.wait_for(refused.read(), 10)
            message = str(raised.value)
            assert message.startswith(f"pod default/{pod} port 9999: error forwarding port 9999 to pod")
            await good.write(request)  # the other connection of that tunnel goes on
            assert (await _read_until(good, tag)).endswith(tag)
        async with tunnels.open(api, PodPort("default", pod, 8080)) as after:
            await after.write(request)
            assert (await _read_until(after, tag)).endswith(tag)
    finally:
        await tunnels.close()
    # the refusal came before any byte: the next connection got a fresh tunnel (a tunnel outlives
    # its pod, a fresh one asks the API server whether the pod is still there)
    assert sum(TUNNEL_OPENED in line for line in log) == 2


async def test_a_tunnel_whose_connection_dies_ends_its_streams_and_the_next_connection_opens_a_new_one(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    _name, pod = _deploy(cluster, host_server, tmp_path)
    await asyncio.sleep(1.0)  # kwok's PortForward object follows the pod within 0.5 s
    log: list[str] = []
    tunnels = PodTunnels("t", log.append)
    target = PodPort("default", pod, 8080)
    request = b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
    tag = host_server.tag.encode()
    try:
        async with tunnels.open(api, target) as first:
            assert isinstance(first, TunnelStream)
            await first.write(request)
            assert (await _read_until(first, tag)).endswith(tag)
            first.tunnel._writer.transport.abort()  # the network drops the API server connection
            with pytest.raises(PortForwardError, match=f"pod default/{pod} port 8080: the port-forward tunnel"):
                await asyncio.wait_for(first.read(), 10)
            with pytest.raises(PortForwardError, match="the port-forward stream closed"):
                await first.write(request)
        async with tunnels.open(api, target) as second:
            assert isinstance(second, TunnelStream) and second.tunnel is not first.tunnel
            await second.write(request)
            assert (await _read_until(second, tag)).endswith(tag)
    finally:
        await tunnels.close()
    assert sum(TUNNEL_OPENED in line for line in log) == 2
