"""An API server that does not take the SPDY tunnel (before 1.30, or the PortForwardWebsockets gate
off) still gets every connection forwarded: through one v4 websocket each, as before the tunnel,
and without asking for the tunnel again. The server here speaks real HTTP and websocket (wsproto)
on a socket, refusing the tunnel the way such a server answers an upgrade it cannot do."""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, Request

from pyspire.integrations.k3s.pod_stream import PortForwardError
from pyspire.integrations.k3s.pod_tunnel import TUNNEL_SUBPROTOCOL, PodTunnels
from pyspire.integrations.k3s.portforward import SUBPROTOCOL
from tests.integrations.k3s.test_portforward_stream_errors import TARGET, PlainHttp


def _refusal(status: int, message: str) -> bytes:
    body = json.dumps({"kind": "Status", "status": "Failure", "message": message, "code": status})
    reason = {400: "Bad Request", 404: "Not Found"}[status]
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


async def _serve_v4(head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept a v4 port-forward websocket: each channel's port first, then every data message
    echoed back with "pod:" in front."""
    ws = WSConnection(ConnectionType.SERVER)
    ws.receive_data(head)
    for event in ws.events():
        if isinstance(event, Request):
            writer.write(ws.send(AcceptConnection(subprotocol=SUBPROTOCOL)))
    port = struct.pack("<H", TARGET.port)
    writer.write(ws.send(BytesMessage(data=b"\x00" + port)) + ws.send(BytesMessage(data=b"\x01" + port)))
    while data := await reader.read(65536):
        ws.receive_data(data)
        for event in ws.events():
            if isinstance(event, BytesMessage):
                writer.write(ws.send(BytesMessage(data=b"\x00pod:" + bytes(event.data)[1:])))


@pytest.fixture
async def old_api_server(request: pytest.FixtureRequest) -> AsyncIterator[tuple[int, list[str]]]:
    """Refuses the tunnel with 400; a v4 upgrade is accepted, or refused with 404 when the test is
    parametrized with "pod gone". Yields its port and the subprotocol each request offered."""
    pod_gone = getattr(request, "param", "") == "pod gone"
    offered: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        protocol = next(
            (line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
             if line.lower().startswith(b"sec-websocket-protocol:")),
            "",
        )  # fmt: skip
        offered.append(protocol)
        if protocol == TUNNEL_SUBPROTOCOL:
            writer.write(_refusal(400, "unable to upgrade: the tunnel is not supported"))
        elif pod_gone:
            writer.write(_refusal(404, 'pods "web-1" not found'))
        else:
            await _serve_v4(head, reader, writer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1]), offered
    server.close()
    await server.wait_closed()


async def _echo(tunnels: PodTunnels, port: int, payload: bytes) -> bytes:
    async with tunnels.open(PlainHttp(f"http://127.0.0.1:{port}"), TARGET) as stream:  # type: ignore[arg-type]
        await stream.write(payload)
        return await asyncio.wait_for(stream.read(), 5)


async def test_a_server_refusing_the_tunnel_gets_a_v4_websocket_per_connection_and_no_second_tunnel_request(
    old_api_server: tuple[int, list[str]],
) -> None:
    port, offered = old_api_server
    log: list[str] = []
    tunnels = PodTunnels("web", log.append)
    cluster = PlainHttp(f"http://127.0.0.1:{port}")
    answers = []
    for payload in (b"one", b"two"):
        async with tunnels.open(cluster, TARGET) as stream:  # type: ignore[arg-type]
            await stream.write(payload)
            answers.append(await asyncio.wait_for(stream.read(), 5))
    await tunnels.close()
    assert answers == [b"pod:one", b"pod:two"]
    assert offered == [TUNNEL_SUBPROTOCOL, SUBPROTOCOL, SUBPROTOCOL]
    (line,) = log
    assert "the API server refused the SPDY tunnel" in line and "HTTP 400" in line
    assert "one websocket per connection" in line


@pytest.mark.parametrize("old_api_server", ["pod gone"], indirect=True)
async def test_when_the_v4_websocket_is_refused_too_its_refusal_is_raised_and_the_tunnel_is_tried_again(
    old_api_server: tuple[int, list[str]],
) -> None:
    port, offered = old_api_server
    log: list[str] = []
    tunnels = PodTunnels("web", log.append)
    for _ in range(2):
        with pytest.raises(PortForwardError) as raised:
            await _echo(tunnels, port, b"x")
        assert str(raised.value) == 'port-forward to pod apps/web-1 port 8080 refused: HTTP 404: pods "web-1" not found'
    await tunnels.close()
    assert offered == [TUNNEL_SUBPROTOCOL, SUBPROTOCOL] * 2, "a refusal of both says nothing about the tunnel"
    assert log == []
