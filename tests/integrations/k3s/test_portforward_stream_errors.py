"""A port-forward stream that cannot be opened says why: the API server's own refusal (its Status
message), or that nothing answered — the text the forwarder puts in the endpoint's log."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator

import pytest

from pyspire.integrations.k3s.pod_stream import PodPort, PortForwardError, open_pod_stream, portforward_path

TARGET = PodPort("apps", "web-1", 8080)


class PlainHttp:
    """An API address without TLS (the refusing server below speaks plain HTTP)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url

    def ssl_context(self) -> ssl.SSLContext:
        raise AssertionError("no TLS for http://")


@pytest.fixture
async def refusing_server() -> AsyncIterator[tuple[int, list[str]]]:
    """An HTTP server that refuses every upgrade the way the API server does for a missing pod."""
    requests: list[str] = []

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        requests.append(head)
        body = json.dumps({"kind": "Status", "status": "Failure", "message": 'pods "web-1" not found', "code": 404})
        writer.write(
            f"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1]), requests
    server.close()
    await server.wait_closed()


def test_the_portforward_path_names_the_namespace_the_pod_and_the_port() -> None:
    assert portforward_path(TARGET) == "/api/v1/namespaces/apps/pods/web-1/portforward?ports=8080"


async def test_a_refused_upgrade_raises_with_the_status_code_and_the_api_servers_message(
    refusing_server: tuple[int, list[str]],
) -> None:
    port, requests = refusing_server
    with pytest.raises(PortForwardError) as raised:
        async with open_pod_stream(PlainHttp(f"http://127.0.0.1:{port}"), TARGET):
            pass
    assert str(raised.value) == 'port-forward to pod apps/web-1 port 8080 refused: HTTP 404: pods "web-1" not found'
    (head,) = requests
    assert head.startswith("GET /api/v1/namespaces/apps/pods/web-1/portforward?ports=8080 HTTP/1.1")
    assert "sec-websocket-protocol: v4.channel.k8s.io" in head.lower()
    assert "upgrade: websocket" in head.lower()


async def test_an_api_server_that_does_not_answer_raises_saying_the_stream_failed() -> None:
    with socket_port() as port:
        pass  # bound then closed: nothing listens there now
    with pytest.raises(PortForwardError, match="port-forward to pod apps/web-1 port 8080 failed: cannot connect"):
        async with open_pod_stream(PlainHttp(f"http://127.0.0.1:{port}"), TARGET):
            pass


class socket_port:  # noqa: N801 (used as a context manager, like a function)
    """A port that was free a moment ago."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return int(self._sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        self._sock.close()
