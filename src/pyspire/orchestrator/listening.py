"""Noticing when a replica starts listening, for all starting replicas with one scan per tick.

A replica's Endpoint (and so the proxy's backend) appears only once the replica listens. Each
tick reads the kernel's socket tables once for every port still awaited, so starting a hundred
replicas costs one scan per tick, not a hundred.
"""

from __future__ import annotations

import asyncio

from pyspire.runtime.ports import listening_tcp_ports

TICK_SECONDS = 0.02


class ListenWatcher:
    def __init__(self, tick: float = TICK_SECONDS) -> None:
        self._tick = tick
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def wait(self, port: int) -> None:
        """Return once something listens on TCP ``port``."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(port, []).append(future)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._scan(), name="listen-watcher")
        try:
            await future
        finally:
            waiters = self._waiters.get(port, [])
            if future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._waiters[port]

    async def _scan(self) -> None:
        while self._waiters:
            listening = listening_tcp_ports()
            for port in [p for p in self._waiters if p in listening]:
                for future in self._waiters.pop(port):
                    if not future.done():
                        future.set_result(None)
            if self._waiters:
                await asyncio.sleep(self._tick)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
