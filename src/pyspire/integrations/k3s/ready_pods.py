"""The current ready pod, and a bounded wait for one: what keeps parked connections in check.

Connections that arrive while no pod is ready wait here instead of failing at once (a pod being
replaced is the normal case), but only up to a cap: past it a connection is refused, so a client
hammering an endpoint whose pods never come up cannot pile up sockets and tasks without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pyspire.errors import TemporaryError

Pod = Mapping[str, Any]


class ParkedConnectionsFull(TemporaryError, RuntimeError):
    """Too many connections are already waiting for a ready pod; this one is refused."""


class ReadyPod:
    """Holds the pod the resolver last found ready; waiters wake when one is published."""

    def __init__(self, max_parked: int) -> None:
        self._max_parked = max_parked
        self._pod: Pod | None = None
        self._changed = asyncio.Event()
        self._parked = 0

    @property
    def parked(self) -> int:
        """How many connections are waiting now."""
        return self._parked

    def publish(self, pod: Pod | None) -> None:
        """The resolver's latest answer; None while no pod is ready."""
        self._pod = pod
        if pod is not None:
            self._changed.set()
        else:
            self._changed.clear()

    async def get(self, timeout: float) -> Pod:
        """The ready pod, waiting up to `timeout` for one; refused past the parked cap."""
        if self._pod is not None:
            return self._pod
        if self._parked >= self._max_parked:
            raise ParkedConnectionsFull(
                f"{self._parked} connections already wait for a ready pod; refusing this one"
            )
        self._parked += 1
        try:
            async with asyncio.timeout(timeout):
                while self._pod is None:
                    await self._changed.wait()
                return self._pod
        finally:
            self._parked -= 1
