"""The host listener of a service endpoint: accept, wait for a ready pod, pipe bytes both ways.

The upstream (a port-forward stream to the pod) is opened by a function handed in, so the
listener's guarantees — a connection refused past the parked cap, every connection task and
socket closed on stop — hold whatever carries the bytes, and are tested with real sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Protocol

from pyspire.integrations.k3s.ready_pods import ParkedConnectionsFull, Pod, ReadyPod


class Upstream(Protocol):
    """A byte stream to one pod port."""

    async def read(self) -> bytes:
        """The next bytes from the pod; b"" once it closed."""
        ...

    async def write(self, data: bytes) -> None:
        """Send bytes to the pod."""
        ...

    async def close(self) -> None:
        """Close the stream (idempotent)."""
        ...


OpenUpstream = Callable[[Pod], Awaitable[Upstream]]


class Forwarder:
    """Listens on a host port and forwards each connection to the ready pod's stream."""

    def __init__(self, ready: ReadyPod, open_upstream: OpenUpstream, wait_timeout: float) -> None:
        self._ready = ready
        self._open = open_upstream
        self._wait_timeout = wait_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def open_connections(self) -> int:
        """Connections being served or waiting now."""
        return len(self._connections)

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port (useful when `port` is 0)."""
        self._server = await asyncio.start_server(self._accept, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and end every connection; nothing is left running after it returns."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            pod = await self._ready.get(self._wait_timeout)
        except (ParkedConnectionsFull, TimeoutError):
            return
        upstream = await self._open(pod)
        try:
            to_pod = asyncio.create_task(self._client_to_pod(reader, upstream))
            try:
                while data := await upstream.read():
                    writer.write(data)
                    await writer.drain()
            finally:
                to_pod.cancel()
                await asyncio.gather(to_pod, return_exceptions=True)
        finally:
            await upstream.close()

    @staticmethod
    async def _client_to_pod(reader: asyncio.StreamReader, upstream: Upstream) -> None:
        while data := await reader.read(65536):
            await upstream.write(data)
