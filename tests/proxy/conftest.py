"""Fixtures for the proxy tests: a hub per test and small real servers on loopback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

try:
    import pyspire.proxy  # noqa: F401
except ImportError:  # a checkout that was not `pip install -e`'d: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from pyspire.proxy import Backend, ProxyHub

from .helpers import Handler, ServerFactory


@pytest.fixture
async def hub() -> AsyncIterator[ProxyHub]:
    """A started hub with a short UDP idle timeout, closed after the test."""
    h = ProxyHub(udp_idle_timeout=0.3)
    h.start()
    try:
        yield h
    finally:
        await h.aclose()


@pytest.fixture
async def tcp_server() -> AsyncIterator[ServerFactory]:
    """Factory: start a TCP server on 127.0.0.1 running ``handler`` per connection."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> Backend:
        async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(guarded, "127.0.0.1", 0)
        servers.append(server)
        return Backend("127.0.0.1", server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
