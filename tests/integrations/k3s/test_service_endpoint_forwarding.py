"""``add_service_endpoint`` against a real control plane: HTTP through the pyspire endpoint, the API
server's websocket port-forward and kwok reaches a real server on the host; a replaced pod is
followed; a Service without a selector, or none at all, fails the endpoint with the fix; nothing is
left after stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import HealthStatus, ResourceState
from pyspire.integrations.k3s.pod_stream import PodPort, open_pod_stream
from pyspire.testing import AppHandle
from tests.integrations.k3s.cluster import Cluster, wait_for
from tests.integrations.k3s.endpoint_fixtures import (
    HarnessCluster,
    HarnessClusterBuilder,
    HostHttpServer,
    KubeconfigApi,
    apply,
    harness_cluster_handler,
    ready_pods,
    sockets_on,
    web_manifest,
)


def _app(tmp_path: Path, api: KubeconfigApi, service: str, *, port: int = 80, scheme: str = "http"):  # type: ignore[no-untyped-def]
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    parent = HarnessClusterBuilder(b, HarnessCluster("dev"))
    parent.api = api
    b.add_resource(parent)
    endpoint = parent.add_service_endpoint("web", service, port, scheme=scheme)
    return b, endpoint


def _service_name() -> str:
    return f"web-{secrets.token_hex(3)}"


@contextlib.asynccontextmanager
async def _serving(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, server: HostHttpServer, *, named_port: bool = True
) -> AsyncIterator[tuple[AppHandle, str]]:
    """A Deployment + Service forwarded to ``server``, and an app whose endpoint ``web`` is
    healthy (a pod is ready): yields the app and the Service's name."""
    name = _service_name()
    apply(cluster, web_manifest(name, server.port, named_port=named_port), tmp_path)
    wait_for("a ready pod", lambda: ready_pods(cluster, name), timeout=60)
    b, _endpoint = _app(tmp_path, api, name)
    with harness_cluster_handler():
        async with testing.start(b) as app:
            await app.wait_for_healthy("web", timeout=30)
            yield app, name


async def _get(url: str, attempts: int = 1) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        for attempt in range(attempts):
            try:
                return await client.get(url)
            except httpx.TransportError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def test_an_http_request_through_the_endpoint_reaches_the_server_kwok_forwards_the_pod_to(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    async with _serving(tmp_path, cluster, api, host_server) as (app, name):
        response = await _get(app.endpoint_url("web", "http") + "/")
        assert response.status_code == 200
        assert response.text == host_server.tag
        properties = dict(app.resource("web").properties)
        assert properties["pod"] == f"{ready_pods(cluster, name)[0]}:8080", (
            "the named targetPort 'http' is 8080"
        )
        assert "forwarding to pod default/" in app.log_text("web")
        assert "failed" not in app.log_text("web") and "ended:" not in app.log_text("web")


async def test_a_numeric_target_port_is_forwarded_to_as_it_is(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    async with _serving(tmp_path, cluster, api, host_server, named_port=False) as (app, _name):
        assert (await _get(app.endpoint_url("web", "http") + "/")).text == host_server.tag


async def test_the_endpoint_keeps_working_after_its_pod_is_deleted_and_the_deployment_replaces_it(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    async with _serving(tmp_path, cluster, api, host_server) as (app, name):
        (first,) = ready_pods(cluster, name)
        url = app.endpoint_url("web", "http") + "/"
        assert (await _get(url)).text == host_server.tag
        cluster.kubectl("delete", "pod", first, "--wait=false")
        (second,) = wait_for(
            "the replacement pod", lambda: [p for p in ready_pods(cluster, name) if p != first], timeout=60
        )
        assert (await _get(url, attempts=3)).text == host_server.tag
        await app.wait_for_log("web", f"forwarding to pod default/{second} port 8080", timeout=30)
        assert dict(app.resource("web").properties)["pod"] == f"{second}:8080"


async def test_while_no_pod_is_ready_a_connection_waits_and_is_answered_once_one_is(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    async with _serving(tmp_path, cluster, api, host_server) as (app, name):
        port = int(app.endpoint_url("web", "http").rsplit(":", 1)[1])
        # The Service selects no pod for a while. (Not by scaling the Deployment to 0 and back:
        # the test image gives a new pod its port-forward target up to 0.5 s after it is Ready,
        # and a stream opened in between goes nowhere.)
        cluster.kubectl("patch", "service", name, "-p", '{"spec":{"selector":{"app":"nothing"}}}')
        await app.wait_for_log("web", f"no ready pod of Service default/{name}; connections wait", timeout=30)
        assert app.resource("web").health_status == HealthStatus.UNHEALTHY
        assert dict(app.resource("web").properties)["pod"] == "none ready"
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
        await asyncio.sleep(1)
        cluster.kubectl("patch", "service", name, "-p", json.dumps({"spec": {"selector": {"app": name}}}))
        # the resolver backs off (2 s, 4 s, 8 s…) while none is ready; the parked connection waits.
        # Read up to the body (kwok, like the kubelet here, does not end the stream when the
        # server closes; kubectl port-forward gets no EOF either).
        answer = await asyncio.wait_for(reader.readuntil(host_server.tag.encode()), 30)
        assert answer.startswith(b"HTTP/1.1 200")
        writer.close()
        await app.wait_for_healthy("web", timeout=30)


async def test_a_service_without_a_selector_fails_the_endpoint_with_the_reason_and_the_fix(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    name = _service_name()
    apply(cluster, web_manifest(name, host_server.port, selector=False), tmp_path)
    b, _endpoint = _app(tmp_path, api, name)
    with harness_cluster_handler():
        async with testing.start(b) as app:
            snapshot = await app.wait_for_resource("web", ResourceState.FAILED_TO_START, timeout=30)
            assert f"Service default/{name} has no selector" in (snapshot.state_message or "")
            assert "Give the Service a spec.selector" in app.log_text("web")
            assert app.resource("dev").state == ResourceState.RUNNING, "only the endpoint fails"


async def test_an_unknown_service_fails_the_endpoint_naming_the_service_its_namespace_and_the_fix(
    tmp_path: Path, api: KubeconfigApi
) -> None:
    b, _endpoint = _app(tmp_path, api, "no-such-service")
    with harness_cluster_handler():
        async with testing.start(b) as app:
            snapshot = await app.wait_for_resource("web", ResourceState.FAILED_TO_START, timeout=30)
            message = snapshot.state_message or ""
            assert "Service 'no-such-service' not found in namespace 'default'" in message
            assert "wait_for" in message


async def test_after_stop_no_listener_no_forwarder_task_and_no_socket_remain(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    async with _serving(tmp_path, cluster, api, host_server) as (app, _name):
        port = int(app.endpoint_url("web", "http").rsplit(":", 1)[1])
        # a keep-alive connection through the forwarder, still open when the app stops
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /bytes/1 HTTP/1.1\r\nHost: web\r\n\r\n")
        assert b"200" in await asyncio.wait_for(reader.readline(), 10)
        assert sockets_on(port), "the listener and the connection"
    await asyncio.wait_for(reader.read(), 10)  # the forwarder closed the connection: EOF
    writer.close()
    await asyncio.sleep(0.1)
    assert sockets_on(port) == [], "no listener and no forwarded connection is left"
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    assert [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("web-")] == []


async def test_a_second_stream_resumes_the_first_ones_tls_session_and_still_carries_the_bytes(
    tmp_path: Path, cluster: Cluster, api: KubeconfigApi, host_server: HostHttpServer
) -> None:
    name = _service_name()
    apply(cluster, web_manifest(name, host_server.port), tmp_path)
    pod = wait_for("a ready pod", lambda: ready_pods(cluster, name), timeout=60)[0]
    await asyncio.sleep(1.0)  # kwok's PortForward object follows the pod within 0.5 s
    resumed, bodies = [], []
    for _ in range(3):
        async with open_pod_stream(api, PodPort("default", pod, 8080)) as stream:
            resumed.append(stream.resumed_tls)
            await stream.write(b"GET / HTTP/1.0\r\nHost: web\r\n\r\n")
            data = b""
            while host_server.tag.encode() not in data and (chunk := await stream.read()):
                data += chunk
            bodies.append(data.rsplit(b"\r\n\r\n", 1)[-1].decode())
    assert resumed == [False, True, True], "one full handshake, then abbreviated ones"
    assert bodies == [host_server.tag] * 3
