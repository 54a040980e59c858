"""UDP forwarding through ProxyHub: per-client sessions over real loopback sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import cast

import pytest

from pyspire.proxy import Backend, ProxyHub

from .helpers import wait_for


class UdpEcho(asyncio.DatagramProtocol):
    """Replies ``<tag>:<datagram>`` so the test can tell which backend answered."""

    def __init__(self, tag: bytes) -> None:
        self.tag = tag
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(self.tag + b":" + data, addr)


@pytest.fixture
def udp_clients() -> Iterator[list[socket.socket]]:
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
    yield socks
    for s in socks:
        s.close()


async def start_udp_echo(tag: bytes) -> tuple[asyncio.DatagramTransport, Backend]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: UdpEcho(tag), local_addr=("127.0.0.1", 0))
    return transport, Backend("127.0.0.1", transport.get_extra_info("sockname")[1])


async def ask(sock: socket.socket, port: int, data: bytes) -> bytes:
    sock.sendto(data, ("127.0.0.1", port))
    reply, addr = await asyncio.to_thread(sock.recvfrom, 65535)
    assert addr == ("127.0.0.1", port)  # the reply comes from the address the client wrote to
    return reply


async def test_udp_echo_keeps_clients_apart(hub: ProxyHub, udp_clients: list[socket.socket]) -> None:
    transport, backend = await start_udp_echo(b"echo")
    try:
        port = await hub.open("dns", "udp")
        hub.set_backends("dns", [backend])
        a, b = udp_clients
        for i in range(5):
            assert await ask(a, port, b"from a %d" % i) == b"echo:from a %d" % i
            assert await ask(b, port, b"from b %d" % i) == b"echo:from b %d" % i
        stats = hub.stats("dns")
        assert stats.active_connections == 2  # one session per client address
        assert stats.total_connections == 2
    finally:
        transport.close()


async def test_udp_sessions_stick_to_one_backend_and_expire(
    hub: ProxyHub, udp_clients: list[socket.socket]
) -> None:
    t1, b1 = await start_udp_echo(b"one")
    t2, b2 = await start_udp_echo(b"two")
    try:
        port = await hub.open("dns", "udp")
        hub.set_backends("dns", [b1, b2])
        a = udp_clients[0]
        first = (await ask(a, port, b"q")).split(b":")[0]
        for _ in range(5):
            assert (await ask(a, port, b"q")).split(b":")[0] == first
        # The hub fixture uses a 0.3 s idle timeout.
        await wait_for(lambda: hub.stats("dns").active_connections == 0, timeout=3)
    finally:
        t1.close()
        t2.close()


async def test_udp_without_backends_drops_then_recovers(
    hub: ProxyHub, udp_clients: list[socket.socket]
) -> None:
    transport, backend = await start_udp_echo(b"late")
    try:
        port = await hub.open("dns", "udp")
        a = udp_clients[0]
        a.sendto(b"lost", ("127.0.0.1", port))
        await asyncio.sleep(0.05)
        assert hub.stats("dns").active_connections == 0
        hub.set_backends("dns", [backend])
        assert await ask(a, port, b"found") == b"late:found"
    finally:
        transport.close()
