"""Backends (the replicas behind a proxy) and turning their host names into socket addresses."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any, NamedTuple

__all__ = ["Backend", "Resolver", "SockAddr"]

#: ``(family, sockaddr)`` ready for ``socket.socket(family, ...)`` and ``connect``.
SockAddr = tuple[int, Any]

# Host names (not literals) are re-resolved after this long, so a changed DNS answer is picked up
# without paying a resolver round trip on every connection.
_NAME_TTL = 30.0


class Backend(NamedTuple):
    """One replica endpoint a proxy forwards to."""

    host: str
    port: int


class Resolver:
    """Resolves backend endpoints, answering IP literals synchronously and caching host names.

    Connections are dialled from event-loop callbacks, so the common case (an IP literal, which is
    what the app host hands out) must not need a coroutine; only real names go through the loop's
    non-blocking ``getaddrinfo``. Addresses that answered last are tried first next time, so a
    ``localhost`` backend listening only on IPv4 does not pay a refused ``::1`` dial per connection.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, socktype: int) -> None:
        self._loop = loop
        self._socktype = socktype
        self._cache: dict[Backend, tuple[float, list[SockAddr]]] = {}

    def cached(self, backend: Backend) -> list[SockAddr] | None:
        """Addresses for ``backend`` if known without waiting, else ``None`` (then call :meth:`resolve`)."""
        hit = self._cache.get(backend)
        if hit is not None and hit[0] > time.monotonic():
            return list(hit[1])
        try:
            infos = socket.getaddrinfo(
                backend.host, backend.port, type=self._socktype, flags=socket.AI_NUMERICHOST
            )
        except socket.gaierror:
            return None  # a name: needs a (possibly slow) lookup
        addrs = _unique(infos)
        self._cache[backend] = (float("inf"), addrs)
        return list(addrs)

    async def resolve(self, backend: Backend) -> list[SockAddr]:
        """Look ``backend`` up without blocking the loop; an empty list means it does not resolve."""
        try:
            infos = await self._loop.getaddrinfo(backend.host, backend.port, type=self._socktype)
        except OSError:
            return []
        addrs = _unique(infos)
        if addrs:
            self._cache[backend] = (time.monotonic() + _NAME_TTL, addrs)
        return list(addrs)

    def worked(self, backend: Backend, addr: SockAddr) -> None:
        """Remember that ``addr`` answered, so it is tried first for this backend from now on."""
        hit = self._cache.get(backend)
        if hit is not None and hit[1] and hit[1][0] != addr and addr in hit[1]:
            addrs = [addr] + [a for a in hit[1] if a != addr]
            self._cache[backend] = (hit[0], addrs)

    def failed(self, backend: Backend, addr: SockAddr) -> None:
        """Remember that ``addr`` refused, so the backend's other addresses are tried first."""
        hit = self._cache.get(backend)
        if hit is not None and len(hit[1]) > 1 and addr in hit[1]:
            addrs = [a for a in hit[1] if a != addr] + [addr]
            self._cache[backend] = (hit[0], addrs)

    def forget(self, keep: set[Backend]) -> None:
        """Drop cache entries for backends no longer in use, so the cache cannot grow without bound."""
        for backend in [b for b in self._cache if b not in keep]:
            del self._cache[backend]


def _unique(infos: list[tuple[Any, ...]]) -> list[SockAddr]:
    seen: list[SockAddr] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        addr: SockAddr = (int(family), sockaddr)
        if addr not in seen:
            seen.append(addr)
    return seen
