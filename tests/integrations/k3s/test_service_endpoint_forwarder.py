"""The endpoint's listener, with real sockets: bytes reach the pod's stream and back, connections
wait (bounded) while no pod is ready, a pod that is gone is logged and replaced, nothing is left
after stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from pyspire.integrations.k3s.forwarder import Forwarder, OpenUpstream, Upstream
from pyspire.integrations.k3s.pod_stream import PodPort, PortForwardError
from tests.integrations.k3s.endpoint_fixtures import sockets_on

WEB_1 = PodPort("default", "web-1", 8080)
WEB_2 = PodPort("default", "web-2", 8080)


class TcpUpstream:
    """A real TCP connection carrying the bytes the port-forward stream would."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self) -> bytes:
        return await self._reader.read(65536)

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()


@pytest.fixture
async def echo_port() -> AsyncIterator[int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(b"pod:" + data)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()


def _opener(port: int, opened: list[PodPort], gone: frozenset[PodPort] = frozenset()) -> OpenUpstream:
    @contextlib.asynccontextmanager
    async def open_upstream(target: PodPort) -> AsyncIterator[Upstream]:
        opened.append(target)
        if target in gone:
            raise PortForwardError(f'port-forward to {target} refused: HTTP 404: pods "{target.pod}" not found')
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            yield TcpUpstream(reader, writer)
        finally:
            writer.close()

    return open_upstream


def _forwarder(opener: OpenUpstream, log: list[str], **kwargs: object) -> Forwarder:
    options: dict[str, object] = {"max_parked": 4, "max_wait": 5.0} | kwargs
    return Forwarder("web", opener, log.append, **options)  # type: ignore[arg-type]


async def _roundtrip(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    try:
        return await asyncio.wait_for(reader.readexactly(len(payload) + 4), 5)
    finally:
        writer.close()


async def test_bytes_reach_the_ready_pod_and_its_answer_comes_back(echo_port: int) -> None:
    opened: list[PodPort] = []
    forwarder = _forwarder(_opener(echo_port, opened), [])
    port = await forwarder.start("127.0.0.1", 0)
    forwarder.publish(WEB_1)
    assert await _roundtrip(port, b"hello") == b"pod:hello"
    assert opened == [WEB_1]
    await forwarder.stop()


async def test_a_connection_made_while_no_pod_is_ready_waits_and_gets_through_once_one_is(echo_port: int) -> None:
    forwarder = _forwarder(_opener(echo_port, []), [])
    port = await forwarder.start("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"early")
    await asyncio.sleep(0.1)
    assert forwarder.parked == 1
    forwarder.publish(WEB_1)
    assert await asyncio.wait_for(reader.readexactly(9), 5) == b"pod:early"
    assert forwarder.parked == 0
    writer.close()
    await forwarder.stop()


async def test_a_connection_past_the_parked_cap_is_closed_at_once_and_logged(echo_port: int) -> None:
    log: list[str] = []
    forwarder = _forwarder(_opener(echo_port, []), log, max_parked=1)
    port = await forwarder.start("127.0.0.1", 0)
    parked = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)
    refused_reader, refused_writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(refused_reader.read(), 2) == b""
    assert forwarder.parked == 1
    assert any("1 connections already waiting" in line for line in log)
    parked[1].close()
    refused_writer.close()
    await forwarder.stop()


async def test_a_parked_client_that_hangs_up_frees_its_place(echo_port: int) -> None:
    forwarder = _forwarder(_opener(echo_port, []), [], max_parked=1)
    port = await forwarder.start("127.0.0.1", 0)
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)
    assert forwarder.parked == 1
    writer.close()
    for _ in range(50):
        if forwarder.parked == 0:
            break
        await asyncio.sleep(0.02)
    assert forwarder.parked == 0
    forwarder.publish(WEB_1)
    assert await _roundtrip(port, b"next") == b"pod:next"
    await forwarder.stop()


async def test_a_parked_connection_is_closed_after_its_wait_runs_out(echo_port: int) -> None:
    forwarder = _forwarder(_opener(echo_port, []), [], max_wait=0.2)
    port = await forwarder.start("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(reader.read(), 3) == b""
    assert forwarder.parked == 0
    writer.close()
    await forwarder.stop()


async def test_a_pod_that_is_gone_is_logged_reported_and_the_connection_reaches_the_next_pod(echo_port: int) -> None:
    log: list[str] = []
    opened: list[PodPort] = []
    reported: list[PodPort] = []
    forwarder = _forwarder(_opener(echo_port, opened, gone=frozenset({WEB_1})), log, pod_gone=reported.append)
    port = await forwarder.start("127.0.0.1", 0)
    forwarder.publish(WEB_1)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"again")
    await asyncio.sleep(0.1)
    assert reported == [WEB_1]
    assert forwarder.target is None and forwarder.parked == 1
    assert any('cannot open a stream to pod default/web-1 port 8080' in line and "not found" in line for line in log)
    forwarder.publish(WEB_2)
    assert await asyncio.wait_for(reader.readexactly(9), 5) == b"pod:again"
    assert opened == [WEB_1, WEB_2]
    writer.close()
    await forwarder.stop()


async def test_a_connection_whose_streams_keep_failing_is_closed_after_three_attempts(echo_port: int) -> None:
    log: list[str] = []
    forwarder = _forwarder(_opener(echo_port, [], gone=frozenset({WEB_1})), log, pod_gone=lambda _t: forwarder.publish(WEB_1))
    port = await forwarder.start("127.0.0.1", 0)
    forwarder.publish(WEB_1)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(reader.read(), 3) == b""
    assert sum("cannot open a stream" in line for line in log) == 3
    writer.close()
    await forwarder.stop()


async def test_after_stop_no_listener_no_connection_task_and_no_socket_is_left(echo_port: int) -> None:
    forwarder = _forwarder(_opener(echo_port, []), [])
    port = await forwarder.start("127.0.0.1", 0)
    parked_reader, parked_writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)
    forwarder.publish(WEB_1)
    await parked_reader.readexactly(0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"x")
    await asyncio.wait_for(reader.readexactly(5), 5)
    forwarder.publish(None)
    waiting_reader, waiting_writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)
    assert forwarder.open_connections == 2 and forwarder.parked == 1
    await forwarder.stop()
    assert forwarder.open_connections == 0 and forwarder.parked == 0
    for r in (reader, parked_reader, waiting_reader):
        assert await asyncio.wait_for(r.read(), 2) == b""
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    for w in (writer, parked_writer, waiting_writer):
        w.close()
        with contextlib.suppress(ConnectionError):
            await w.wait_closed()
    await asyncio.sleep(0.05)
    assert sockets_on(port) == [], "no listener and no accepted or parked socket is open"
