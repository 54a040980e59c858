"""Connections to the control API that never send a request cannot pile up: they are closed at a
deadline (a TLS handshake too), capped (the oldest go first), and refused at once before the
process's descriptors run out — each logged once — while clients with the token, and their
long-lived streams, are served throughout. A real server (uvicorn, the object API over a bare
store) and real sockets, with small settings so that each case takes a moment."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette

from pyspire.api.auth import TokenAuth
from pyspire.api.connection_guard import ConnectionGuard
from pyspire.api.kube import kube_routes
from pyspire.api.server import ApiServer
from pyspire.api.tls import ensure_certificate
from pyspire.orchestrator.store import ObjectStore
from pyspire.runtime.limits import DescriptorBudget, descriptor_budget
from tests.api.kube_helpers import EXE, TOKEN, executable, watch_lines

DEADLINE = 0.5


@contextlib.asynccontextmanager
async def guarded_server(
    guard: ConnectionGuard, store: ObjectStore | None = None, certificate: Path | None = None
) -> AsyncIterator[ApiServer]:
    closing = asyncio.Event()
    app = TokenAuth(Starlette(routes=kube_routes(store or ObjectStore(), closing)), TOKEN)
    server = ApiServer(app, tls=certificate is not None, guard=guard)
    await server.start(certificate)
    try:
        yield server
    finally:
        closing.set()
        await server.close()


def client(server: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=10)


async def connect(server: ApiServer) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    return sock


async def closed_by_server(sock: socket.socket, timeout: float = 5.0) -> float:
    """Seconds until the server closed ``sock`` (EOF or reset)."""
    started = time.monotonic()
    try:
        data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 65536), timeout)
        while data:  # a response (400, 401) may come first
            data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 65536), timeout)
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def still_open(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False


def warnings(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


async def test_a_connection_that_sends_no_complete_request_is_closed_at_the_deadline():
    async with guarded_server(ConnectionGuard(idle_timeout=DEADLINE)) as server:
        silent = await connect(server)
        trickling = await connect(server)
        loop = asyncio.get_running_loop()

        async def trickle() -> None:  # a slow header, one byte at a time: it must not buy time
            with contextlib.suppress(OSError):
                await loop.sock_sendall(trickling, b"GET /apis HTTP/1.1\r\n")
                while True:
                    await loop.sock_sendall(trickling, b"X")
                    await asyncio.sleep(0.05)

        sender = asyncio.create_task(trickle())
        waited = await asyncio.gather(closed_by_server(silent), closed_by_server(trickling))
        sender.cancel()
        assert all(DEADLINE * 0.8 <= seconds < DEADLINE + 2 for seconds in waited), waited
        async with client(server) as c:
            assert (await c.get("/apis")).status_code == 200
        for sock in (silent, trickling):
            sock.close()


async def test_a_tls_handshake_that_never_comes_is_closed_at_the_deadline(tmp_path):
    certificate = await ensure_certificate(tmp_path)
    async with guarded_server(ConnectionGuard(idle_timeout=DEADLINE), certificate=certificate.bundle) as server:
        silent = await connect(server)
        assert await closed_by_server(silent) < DEADLINE + 2  # asyncio alone waits 60 s
        silent.close()


async def test_beyond_the_cap_the_oldest_idle_connections_go_and_clients_with_the_token_are_served(caplog):
    caplog.set_level(logging.WARNING, "pyspire.api")
    async with guarded_server(ConnectionGuard(idle_timeout=30, max_idle=20)) as server:
        flood = [await connect(server) for _ in range(60)]
        oldest, newest = flood[:40], flood[40:]
        await asyncio.wait_for(asyncio.gather(*(closed_by_server(s) for s in oldest)), 10)
        async with client(server) as c:
            assert (await c.get(EXE)).status_code == 200
        assert sum(still_open(s) for s in newest) >= 19  # the request's own connection took one place
        assert len(warnings(caplog, "sent no request: closing the oldest")) == 1
        for sock in flood:
            sock.close()


async def test_a_watch_with_the_token_outlives_the_deadline_and_a_flood():
    store = ObjectStore()
    store.create(executable("api-1"))
    async with guarded_server(ConnectionGuard(idle_timeout=DEADLINE, max_idle=10), store) as server:
        async with client(server) as c, c.stream("GET", EXE, params={"watch": "true"}) as watch:
            events = watch_lines(watch)
            assert (await anext(events))["object"]["metadata"]["name"] == "api-1"
            clock = await connect(server)
            await closed_by_server(clock)  # the deadline has passed for everything idle
            flood = [await connect(server) for _ in range(30)]
            await asyncio.wait_for(asyncio.gather(*(closed_by_server(s) for s in flood[:20])), 10)
            store.create(executable("api-2"))
            added = await asyncio.wait_for(anext(events), 5)
            assert added["type"] == "ADDED" and added["object"]["metadata"]["name"] == "api-2"
            for sock in [clock, *flood]:
                sock.close()


def lowest_free_descriptor() -> int:
    probe = os.open("/dev/null", os.O_RDONLY)
    os.close(probe)
    return probe


async def test_connections_past_the_descriptor_ceiling_are_refused_at_once_and_logged_once(caplog):
    caplog.set_level(logging.WARNING, "pyspire.api")
    limit = descriptor_budget().limit
    # The listener takes one descriptor, every connection two (client and server side): a few fit.
    ceiling = lowest_free_descriptor() + 16
    guard = ConnectionGuard(DescriptorBudget(limit, limit - ceiling, max_idle=100), idle_timeout=30)
    async with guarded_server(guard) as server:
        held = [await connect(server) for _ in range(30)]
        refused = await asyncio.wait_for(asyncio.gather(*(closed_by_server(s) for s in held[-10:])), 5)
        assert max(refused) < 5  # not the 30 s deadline: closed as they came
        assert len(warnings(caplog, "refuses new connections")) == 1
        for sock in held:
            sock.close()
        async with client(server) as c:
            assert (await c.get(EXE)).status_code == 200
        [again] = warnings(caplog, "accepts connections again")
        assert "refused meanwhile" in again
