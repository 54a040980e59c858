"""Counters a proxy keeps about its own traffic, and the immutable snapshot handed to callers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Counters", "ProxyStats"]


@dataclass(frozen=True, slots=True)
class ProxyStats:
    """A point-in-time copy of one proxy's counters.

    Frozen so a snapshot taken on one thread can be handed to another without anyone mutating it.
    For UDP a "connection" is a client session (one client address talking to one backend).
    """

    active_connections: int
    total_connections: int
    parked: int
    bytes_forwarded: int


class Counters:
    """Mutable counters updated on the proxy thread's hot path.

    Plain attributes (no locks): only the proxy thread writes them, and reading an ``int`` from
    another thread is atomic under the GIL, so a snapshot is at worst a few bytes stale.
    """

    __slots__ = ("total_connections", "bytes_forwarded")

    def __init__(self) -> None:
        self.total_connections = 0
        self.bytes_forwarded = 0

    def snapshot(self, active: int, parked: int) -> ProxyStats:
        """Freeze the counters together with the gauges the owning proxy computes."""
        return ProxyStats(
            active_connections=active,
            total_connections=self.total_connections,
            parked=parked,
            bytes_forwarded=self.bytes_forwarded,
        )
