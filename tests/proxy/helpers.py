"""Small real servers and polling helpers shared by the proxy tests."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable

from pyspire.proxy import Backend

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
ServerFactory = Callable[[Handler], Awaitable[Backend]]


async def echo_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Echo everything back; half-close after the client does."""
    while data := await reader.read(1 << 20):
        writer.write(data)
        await writer.drain()
    writer.write_eof()


def named_handler(name: bytes) -> Handler:
    """Reply with ``name`` and close: tells the client which backend served it."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(name)
        await writer.drain()

    return handler


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def open_fds() -> int:
    """How many file descriptors this process holds."""
    return len(os.listdir("/proc/self/fd"))


def ipv6_loopback() -> bool:
    """Whether ::1 is usable here."""
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True
