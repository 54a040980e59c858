"""ProxyHub lifecycle: binding, address families, errors, shutdown."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from pyspire.proxy import Backend, ProxyBindError, ProxyHub

from .helpers import ServerFactory, echo_handler, ipv6_loopback, wait_for


async def echo_via(host: str, port: int, family: int = socket.AF_INET) -> bytes:
    reader, writer = await asyncio.open_connection(host, port, family=family)
    writer.write(b"ping")
    data = await asyncio.wait_for(reader.readexactly(4), 5)
    writer.close()
    return data


async def test_port_zero_gives_same_port_on_ipv4_and_ipv6(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp", "localhost", 0)
    assert port > 0
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    assert await echo_via("127.0.0.1", port) == b"ping"
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    assert await echo_via("::1", port, socket.AF_INET6) == b"ping"


async def test_udp_port_zero_binds_both_families(hub: ProxyHub) -> None:
    port = await hub.open("dns", "udp", "localhost", 0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        with pytest.raises(OSError):
            probe.bind(("127.0.0.1", port))  # taken by the proxy
    if ipv6_loopback():
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            with pytest.raises(OSError):
                probe.bind(("::1", port))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_taken_port_raises_bind_error_naming_it(hub: ProxyHub, host: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ProxyBindError) as info:
            await hub.open("svc", "tcp", host, port)
    err = info.value
    assert isinstance(err, OSError)
    assert err.port == port and err.host == host
    assert str(port) in str(err) and host in str(err)
    # The failed name is free again.
    assert await hub.open("svc", "tcp", "127.0.0.1", 0) > 0


async def test_duplicate_name_raises(hub: ProxyHub) -> None:
    await hub.open("svc", "tcp")
    with pytest.raises(ValueError):
        await hub.open("svc", "udp")


async def test_all_interfaces_host(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp", "*", 0)
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    assert await echo_via("127.0.0.1", port) == b"ping"


async def test_close_proxy_stops_listening_and_closes_connections(
    hub: ProxyHub, tcp_server: ServerFactory
) -> None:
    port = await hub.open("svc", "tcp", "127.0.0.1")
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping")
    assert await reader.readexactly(4) == b"ping"
    await hub.close_proxy("svc")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    with pytest.raises(KeyError):
        hub.stats("svc")
    await hub.open("svc", "tcp", "127.0.0.1", port)  # the name and the port are free again


async def test_set_backends_from_another_thread(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp")
    backend = await tcp_server(echo_handler)
    worker = threading.Thread(target=hub.set_backends, args=("svc", [backend]))
    worker.start()
    worker.join()
    assert await echo_via("127.0.0.1", port) == b"ping"
    with pytest.raises(KeyError):
        hub.set_backends("nope", [backend])


async def test_backend_given_by_name(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp")
    backend = await tcp_server(echo_handler)
    hub.set_backends("svc", [Backend("localhost", backend.port)])
    for _ in range(3):
        assert await echo_via("127.0.0.1", port) == b"ping"


async def test_aclose_leaves_no_thread_running(tcp_server: ServerFactory) -> None:
    before = set(threading.enumerate())
    hub = ProxyHub()
    port = await hub.open("svc", "tcp")  # open() starts the hub
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping")
    assert await reader.readexactly(4) == b"ping"
    assert set(threading.enumerate()) - before  # the proxy thread runs
    await hub.aclose()
    assert set(threading.enumerate()) - before == set()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # its connections were closed
    writer.close()
    await hub.aclose()  # idempotent
    hub.close()
    with pytest.raises(RuntimeError):
        hub.start()


def test_sync_close_is_idempotent() -> None:
    before = set(threading.enumerate())
    hub = ProxyHub()
    hub.close()  # never started: nothing to do
    hub = ProxyHub()
    hub.start()
    hub.start()
    port = asyncio.run(hub.open("svc", "udp", "127.0.0.1"))
    assert port > 0
    hub.close()
    hub.close()
    assert set(threading.enumerate()) - before == set()


async def test_stats_count_parked_and_active(hub: ProxyHub, tcp_server: ServerFactory) -> None:
    port = await hub.open("svc", "tcp")
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
    await wait_for(lambda: hub.stats("svc").parked == 3)
    hub.set_backends("svc", [await tcp_server(echo_handler)])
    await wait_for(lambda: hub.stats("svc").active_connections == 3)
    stats = hub.stats("svc")
    assert (stats.parked, stats.total_connections) == (0, 3)
    for _r, w in conns:
        w.close()
    await wait_for(lambda: hub.stats("svc").active_connections == 0)


async def test_concurrent_closes_do_not_fail() -> None:
    hub = ProxyHub()
    await hub.open("svc", "tcp")
    await asyncio.gather(hub.aclose(), asyncio.to_thread(hub.close), hub.aclose())
    assert not [t for t in threading.enumerate() if t.name == "pyspire-proxy-hub"]
