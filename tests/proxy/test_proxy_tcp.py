"""TCP forwarding through ProxyHub over real loopback sockets."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket

import pytest

from pyspire.proxy import Backend, ProxyHub

from .helpers import ServerFactory, closed_port, echo_handler, named_handler, open_fds, wait_for


async def roundtrip(port: int, payload: bytes, host: str = "127.0.0.1") -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(payload)
        writer.write_eof()
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


async def read_name(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


async def test_echo(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("echo", "tcp")
    hub.set_backends("echo", [await tcp_server(echo_handler)])
    assert await roundtrip(port, b"hello proxy") == b"hello proxy"
    stats = hub.stats("echo")
    assert stats.total_connections == 1
    assert stats.bytes_forwarded == 2 * len(b"hello proxy")


async def test_connections_spread_across_backends(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp")
    hub.set_backends("svc", [await tcp_server(named_handler(b"a")), await tcp_server(named_handler(b"b"))])
    seen = [await read_name(port) for _ in range(40)]
    assert set(seen) == {b"a", b"b"}


async def test_dead_backend_is_skipped(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp")
    hub.set_backends("svc", [Backend("127.0.0.1", closed_port()), await tcp_server(named_handler(b"live"))])
    assert [await read_name(port) for _ in range(20)] == [b"live"] * 20


async def test_client_closed_when_no_backend_answers(hub: ProxyHub) -> None:
    port = await hub.open("svc", "tcp")
    hub.set_backends("svc", [Backend("127.0.0.1", closed_port()), Backend("127.0.0.1", closed_port())])
    assert await read_name(port) == b""
    await wait_for(lambda: hub.stats("svc").active_connections == 0)


async def test_parked_connection_is_served_when_backends_appear(
    hub: ProxyHub, tcp_server: ServerFactory
) -> None:
    port = await hub.open("svc", "tcp")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"early bird")
    await wait_for(lambda: hub.stats("svc").parked == 1)
    await asyncio.sleep(0.05)
    assert hub.stats("svc").parked == 1  # still waiting, not closed
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    assert await asyncio.wait_for(reader.readexactly(10), 5) == b"early bird"
    assert hub.stats("svc").parked == 0
    writer.close()


async def test_parked_client_that_hangs_up_frees_its_slot(hub: ProxyHub) -> None:
    port = await hub.open("svc", "tcp")
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await wait_for(lambda: hub.stats("svc").parked == 1)
    writer.close()
    await wait_for(lambda: hub.stats("svc").parked == 0)


async def test_21st_parked_connection_is_closed(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp")
    parked = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
    await wait_for(lambda: hub.stats("svc").parked == 20)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed at once
    except ConnectionResetError:
        pass
    writer.close()
    assert hub.stats("svc").parked == 20
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    for i, (r, w) in enumerate(parked):
        w.write(b"%02d" % i)
        assert await asyncio.wait_for(r.readexactly(2), 5) == b"%02d" % i
        w.close()


async def test_large_transfer_both_directions_intact(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("echo", "tcp")
    hub.set_backends("echo", [await tcp_server(echo_handler)])
    await check_large_echo(port, 64 << 20)


async def check_large_echo(port: int, size: int) -> None:
    """Stream ``size`` random bytes to an echo backend while reading them back; compare hashes."""
    block = os.urandom(1 << 20)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = hashlib.sha256()

    async def send() -> None:
        for i in range(size // len(block)):
            chunk = block[i % 7 :] + block[: i % 7]  # vary the data so misordering would show
            sent.update(chunk)
            writer.write(chunk)
            await writer.drain()
        writer.write_eof()

    async def receive() -> tuple[int, str]:
        got = hashlib.sha256()
        total = 0
        while data := await reader.read(1 << 20):
            got.update(data)
            total += len(data)
        return total, got.hexdigest()

    sender = asyncio.create_task(send())
    total, digest = await asyncio.wait_for(receive(), 60)
    await sender
    writer.close()
    assert total == size
    assert digest == sent.hexdigest()


async def test_half_close_keeps_reply_direction_open(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    async def count_then_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read()  # until the client's EOF
        await asyncio.sleep(0.05)  # reply well after the FIN went through the proxy
        writer.write(b"got %d bytes" % len(data))
        await writer.drain()

    port = await hub.open("svc", "tcp")
    hub.set_backends("svc", [await tcp_server(count_then_reply)])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"x" * 1000)
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(5)
    reply = b""
    while chunk := await asyncio.to_thread(sock.recv, 100):
        reply += chunk
    sock.close()
    assert reply == b"got 1000 bytes"


async def test_backend_reset_reaches_client(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(1)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()

    port = await hub.open("svc", "tcp")
    hub.set_backends("svc", [await tcp_server(reset)])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"!")
    with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 5)
    writer.close()
    await wait_for(lambda: hub.stats("svc").active_connections == 0)


async def test_copy_fallback_without_splice(
    hub: ProxyHub, tcp_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyspire.proxy.tcp as tcp

    monkeypatch.setattr(tcp, "splice_available", lambda: False)
    port = await hub.open("echo", "tcp")
    hub.set_backends("echo", [await tcp_server(echo_handler)])
    assert await roundtrip(port, b"no splice here") == b"no splice here"
    await check_large_echo(port, 16 << 20)


async def test_file_descriptors_return_to_baseline(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("echo", "tcp")
    hub.set_backends("echo", [await tcp_server(echo_handler)])
    await roundtrip(port, b"warm up")  # lets asyncio and the servers allocate what they keep
    await wait_for(lambda: hub.stats("echo").active_connections == 0)
    await asyncio.sleep(0.1)  # the echo server closes its side of the warm-up a moment later
    baseline = open_fds()

    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(30)]
    for _reader, writer in conns:
        writer.write(b"x" * 100_000)
    for reader, _writer in conns:
        assert len(await asyncio.wait_for(reader.readexactly(100_000), 5)) == 100_000
    assert open_fds() > baseline
    for _reader, writer in conns:
        writer.close()
        await writer.wait_closed()
    await wait_for(lambda: hub.stats("echo").active_connections == 0)
    # Every proxied socket and every splice pipe is closed again (the servers' sockets too).
    await wait_for(lambda: open_fds() <= baseline)


async def test_dial_timeout_moves_on_to_another_backend(tcp_server: ServerFactory) -> None:
    # A listener whose accept queue is full drops SYNs: dialling it hangs until the dial timeout.
    with socket.socket() as hanging, socket.socket() as filler:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(0)
        filler.connect(hanging.getsockname())
        stuck = Backend("127.0.0.1", hanging.getsockname()[1])
        hub = ProxyHub(dial_timeout=0.2)
        try:
            port = await hub.open("svc", "tcp")
            hub.set_backends("svc", [stuck])
            started = asyncio.get_running_loop().time()
            assert await read_name(port) == b""  # gave up on the only backend
            assert 0.15 < asyncio.get_running_loop().time() - started < 3
            hub.set_backends("svc", [stuck, await tcp_server(named_handler(b"live"))])
            assert [await read_name(port) for _ in range(6)] == [b"live"] * 6
        finally:
            await hub.aclose()
