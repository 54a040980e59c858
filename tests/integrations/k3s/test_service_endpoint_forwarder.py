"""The endpoint's listener: bytes reach the pod's stream and back; nothing is left after stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from pyspire.integrations.k3s.forwarder import Forwarder, OpenUpstream, Upstream
from pyspire.integrations.k3s.ready_pods import Pod, ReadyPod

POD = {"metadata": {"name": "web-1"}}


class TcpUpstream:
    """A real TCP connection standing in for the port-forward stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self) -> bytes:
        return await self._reader.read(65536)

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def close(self) -> None:
        self._writer.close()


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


def _opener(port: int, opened: list[Pod]) -> OpenUpstream:
    async def open_upstream(pod: Pod) -> Upstream:
        opened.append(pod)
        return TcpUpstream(*await asyncio.open_connection("127.0.0.1", port))

    return open_upstream


async def test_bytes_reach_the_ready_pod_and_its_answer_comes_back(echo_port: int) -> None:
    ready, opened = ReadyPod(max_parked=4), list[Pod]()
    ready.publish(POD)
    forwarder = Forwarder(ready, _opener(echo_port, opened), wait_timeout=1)
    port = await forwarder.start("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello")
    assert await asyncio.wait_for(reader.readexactly(9), 5) == b"pod:hello"
    assert opened == [POD]
    writer.close()
    await forwarder.stop()


async def test_a_connection_past_the_parked_cap_is_closed_at_once(echo_port: int) -> None:
    ready = ReadyPod(max_parked=1)
    forwarder = Forwarder(ready, _opener(echo_port, []), wait_timeout=5)
    port = await forwarder.start("127.0.0.1", 0)
    parked = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)
    refused_reader, refused_writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(refused_reader.read(), 2) == b""
    assert ready.parked == 1
    parked[1].close()
    refused_writer.close()
    await forwarder.stop()


async def test_after_stop_no_listener_and_no_connection_task_is_left(echo_port: int) -> None:
    ready = ReadyPod(max_parked=4)
    ready.publish(POD)
    forwarder = Forwarder(ready, _opener(echo_port, []), wait_timeout=1)
    port = await forwarder.start("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"x")
    await reader.readexactly(5)
    assert forwarder.open_connections == 1
    await forwarder.stop()
    assert forwarder.open_connections == 0
    assert await asyncio.wait_for(reader.read(), 2) == b""
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    writer.close()
