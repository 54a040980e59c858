"""Running out of file descriptors: the proxies say so once (and once when it is over), never
log a traceback, and carry on by themselves when descriptors are free again."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from pyspire.proxy import ProxyHub

from .helpers import ServerFactory, echo_handler, wait_for
from .test_proxy_udp import start_udp_echo

# Long enough for several of the proxy's retries (it pauses 0.1 s after a failed accept).
OBSERVED = 0.6


@contextmanager
def no_descriptors_left(spare: int = 0) -> Iterator[None]:
    """Use up every descriptor this process may open but ``spare`` (its soft limit lowered for
    the duration, so that takes a few dozen, not tens of thousands); all given back afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 16, hard))
    held: list[int] = []
    try:
        while True:
            try:
                held.append(os.open(os.devnull, os.O_RDONLY))
            except OSError as exc:
                assert exc.errno == errno.EMFILE
                break
        for _ in range(spare):
            os.close(held.pop())
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def proxy_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("pyspire.proxy") and r.levelno >= logging.INFO]


def assert_told_once(caplog: pytest.LogCaptureFixture) -> None:
    records = proxy_records(caplog)
    assert [r.levelno for r in records] == [logging.WARNING], [r.getMessage() for r in records]
    assert "descriptor" in records[0].getMessage() or "Too many open files" in records[0].getMessage()
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"


async def told(caplog: pytest.LogCaptureFixture, count: int) -> None:
    await wait_for(lambda: len(proxy_records(caplog)) >= count)


async def test_out_of_descriptors_is_logged_once_and_accepting_resumes(
    hub: ProxyHub, tcp_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pyspire.proxy")
    port = await hub.open("api", "tcp", "127.0.0.1")
    hub.set_backends("api", [await tcp_server(echo_handler)])
    loop = asyncio.get_running_loop()
    clients = [socket.socket() for _ in range(3)]  # created now: there is no descriptor later
    try:
        for client in clients:
            client.setblocking(False)
        with no_descriptors_left():
            for client in clients:
                assert client.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS)
            await told(caplog, 1)
            await asyncio.sleep(OBSERVED)  # retries go on all this time, silently
            assert_told_once(caplog)
        # Descriptors are back: the clients that waited in the listen queue are served.
        for i, client in enumerate(clients):
            await asyncio.wait_for(loop.sock_sendall(client, b"%d" % i), 5)
            assert await asyncio.wait_for(loop.sock_recv(client, 10), 5) == b"%d" % i
        await told(caplog, 2)
        assert "again" in proxy_records(caplog)[1].getMessage()
    finally:
        for client in clients:
            client.close()


async def test_a_connection_that_needs_a_pipe_waits_for_one_without_tracebacks(
    hub: ProxyHub, tcp_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pyspire.proxy")
    accepted = asyncio.Event()

    async def echo_once_accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await echo_handler(reader, writer)

    port = await hub.open("api", "tcp", "127.0.0.1")
    hub.set_backends("api", [await tcp_server(echo_once_accepted)])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await asyncio.wait_for(accepted.wait(), 5)  # connected end to end, no data moved yet
        await wait_for(lambda: hub.stats("api").active_connections == 1)
        with no_descriptors_left():
            writer.write(b"needs a splice pipe")  # the proxy has no pipe for it yet
            await told(caplog, 1)
            await asyncio.sleep(OBSERVED)
            assert_told_once(caplog)
        assert await asyncio.wait_for(reader.readexactly(19), 5) == b"needs a splice pipe"
        await told(caplog, 2)
    finally:
        writer.close()


async def test_udp_without_descriptors_drops_quietly_then_recovers(
    hub: ProxyHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pyspire.proxy")
    transport, backend = await start_udp_echo(b"echo")
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        client.bind(("127.0.0.1", 0))
        client.settimeout(5)
        port = await hub.open("dns", "udp", "127.0.0.1")
        hub.set_backends("dns", [backend])
        with no_descriptors_left():
            for _ in range(20):  # each would need a session socket
                client.sendto(b"q", ("127.0.0.1", port))
            await told(caplog, 1)
            await asyncio.sleep(OBSERVED)
            client.sendto(b"q", ("127.0.0.1", port))
            await asyncio.sleep(0.1)
            assert_told_once(caplog)
        client.sendto(b"q", ("127.0.0.1", port))
        reply, _addr = await asyncio.to_thread(client.recvfrom, 100)
        assert reply == b"echo:q"
        await told(caplog, 2)
    finally:
        client.close()
        transport.close()


async def test_a_client_parked_with_the_last_descriptor_still_leaves_on_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pyspire.proxy")
    hub = ProxyHub(park_timeout=0.3)
    client = socket.socket()
    try:
        port = await hub.open("redis", "tcp", "127.0.0.1")  # stopped: no backends
        client.settimeout(5)
        with no_descriptors_left(spare=1):  # one for accept, none for watching hang-ups
            client.connect(("127.0.0.1", port))
            await wait_for(lambda: hub.stats("redis").parked == 1)
            assert await asyncio.to_thread(client.recv, 10) == b""  # its wait ran out
        assert hub.stats("redis").parked == 0
        assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    finally:
        client.close()
        await hub.aclose()
