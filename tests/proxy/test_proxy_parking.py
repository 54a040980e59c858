"""Parking: connections to a service without backends are held, up to a limit and for a bounded
time, and a parked client that leaves gives its slot back whether or not it had sent data."""

from __future__ import annotations

import asyncio

from pyspire.proxy import ProxyHub

from .helpers import ServerFactory, echo_handler, wait_for

Client = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect(port: int) -> Client:
    return await asyncio.open_connection("127.0.0.1", port)


async def closed_by_proxy(reader: asyncio.StreamReader) -> bool:
    """Whether the proxy ends the connection (a FIN, or a reset when the client's bytes were
    never delivered) without sending anything."""
    try:
        return await asyncio.wait_for(reader.read(), 5) == b""
    except ConnectionResetError:
        return True


async def test_parked_clients_that_sent_data_and_left_free_their_slots(
    hub: ProxyHub, tcp_server: ServerFactory
) -> None:
    port = await hub.open("redis", "tcp")  # the service is stopped: no backends
    clients = [await connect(port) for _ in range(25)]
    await wait_for(lambda: hub.stats("redis").parked == 20)  # the limit; the other 5 are refused
    for i, (_reader, writer) in enumerate(clients):
        if i % 2 == 0:
            writer.write(b"PING\r\n")  # a client that speaks first, as a redis client does
            await writer.drain()
    for _reader, writer in clients:
        writer.close()
    # Every slot is free again once its client has gone, including those that had sent data.
    await wait_for(lambda: hub.stats("redis").parked == 0)

    # So new clients are parked again rather than turned away, and served once redis is back.
    fresh = [await connect(port) for _ in range(20)]
    await wait_for(lambda: hub.stats("redis").parked == 20)
    hub.set_backends("redis", [await tcp_server(echo_handler)])
    for i, (reader, writer) in enumerate(fresh):
        writer.write(b"%02d" % i)
        assert await asyncio.wait_for(reader.readexactly(2), 5) == b"%02d" % i
        writer.close()
    assert hub.stats("redis").parked == 0


async def test_a_connection_is_parked_no_longer_than_the_park_timeout() -> None:
    hub = ProxyHub(park_timeout=0.3)
    try:
        port = await hub.open("svc", "tcp")
        reader, writer = await connect(port)
        writer.write(b"hello?")
        await writer.drain()
        await wait_for(lambda: hub.stats("svc").parked == 1)
        started = asyncio.get_running_loop().time()
        assert await closed_by_proxy(reader)
        waited = asyncio.get_running_loop().time() - started
        assert 0.2 < waited < 3
        assert hub.stats("svc").parked == 0
        writer.close()
    finally:
        await hub.aclose()


async def test_parked_clients_are_closed_in_the_order_they_arrived() -> None:
    hub = ProxyHub(park_timeout=0.5)
    try:
        port = await hub.open("svc", "tcp")
        loop = asyncio.get_running_loop()
        first = await connect(port)
        await wait_for(lambda: hub.stats("svc").parked == 1)
        await asyncio.sleep(0.3)  # the second client arrives later, so its deadline is later
        second = await connect(port)
        await wait_for(lambda: hub.stats("svc").parked == 2)
        assert await closed_by_proxy(first[0])
        first_closed = loop.time()
        assert hub.stats("svc").parked == 1  # the later client is still waiting
        assert await closed_by_proxy(second[0])
        assert loop.time() - first_closed > 0.1
        for _reader, writer in (first, second):
            writer.close()
    finally:
        await hub.aclose()


async def test_a_parked_client_that_resets_frees_its_slot(hub: ProxyHub) -> None:
    import socket
    import struct

    port = await hub.open("svc", "tcp")
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"data first")
    await wait_for(lambda: hub.stats("svc").parked == 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # RST instead of FIN
    await wait_for(lambda: hub.stats("svc").parked == 0)
