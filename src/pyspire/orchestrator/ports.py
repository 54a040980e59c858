"""Port allocation for target ports and proxies, with Aspire's 2-minute reuse quarantine.

A port the app host handed out is not handed out again while in use nor for two minutes after it
is released, so a client still holding the old address does not reach a different service.
"""

from __future__ import annotations

import time

from pyspire.runtime.ports import pick_free_port

QUARANTINE_SECONDS = 120.0


class PortAllocator:
    def __init__(self, quarantine_seconds: float = QUARANTINE_SECONDS) -> None:
        self._in_use: set[int] = set()
        self._released: dict[int, float] = {}
        self._quarantine = quarantine_seconds

    def allocate(self, host: str = "127.0.0.1", protocol: str = "tcp") -> int:
        """A free port not handed out recently."""
        now = time.monotonic()
        self._released = {p: t for p, t in self._released.items() if now - t < self._quarantine}
        for _ in range(200):
            port = pick_free_port(host if host != "localhost" else "127.0.0.1", protocol)
            if port not in self._in_use and port not in self._released:
                self._in_use.add(port)
                return port
        raise RuntimeError("no free port found after 200 tries")

    def claim(self, port: int) -> None:
        """Record a port taken outside the allocator (a proxy's OS-chosen port)."""
        self._in_use.add(port)
        self._released.pop(port, None)

    def release(self, port: int) -> None:
        if port in self._in_use:
            self._in_use.discard(port)
            self._released[port] = time.monotonic()

    def is_quarantined(self, port: int) -> bool:
        released = self._released.get(port)
        return port in self._in_use or (
            released is not None and time.monotonic() - released < self._quarantine
        )
