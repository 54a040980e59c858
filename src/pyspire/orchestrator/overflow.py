"""The overflow policies of :mod:`pyspire.orchestrator.broadcast`: what a subscriber's bounded
buffer does when it is full.

- :class:`LatestPerKey` — state (resource snapshots): past the bound, only the newest item per
  key is kept, so a slow reader skips states it would only have discarded and still ends on the
  truth. Memory: the bound, or the number of keys.
- :class:`DropAndCount` — logs: past the bound the oldest items go, and the reader is handed a
  marker saying how many, before the items that remain (the "N lines dropped" line).
- :class:`GoneOnOverflow` — object watches: past the bound the buffer is emptied and the
  reader's next read raises (``ResourceVersionGone``, Kubernetes' 410). A watcher this far behind
  must re-list anyway, so keeping its backlog would only cost memory.

Below the bound every policy keeps every item in order. A policy is a factory of buffers (one per
subscriber); a stream with other needs can bring its own :class:`OverflowPolicy`.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

__all__ = [
    "BoundedRing",
    "Buffer",
    "DropAndCount",
    "GoneOnOverflow",
    "LatestPerKey",
    "OverflowPolicy",
    "Ring",
]

T = TypeVar("T")


class Buffer(Protocol[T]):
    """One subscriber's buffer, made by an :class:`OverflowPolicy`."""

    def put(self, item: T) -> bool:
        """Keep ``item`` (or make room by the policy); False: the subscription has ended and
        wants nothing more (its next :meth:`take` says why)."""
        ...

    def take(self) -> T | None:
        """The next item, or None when there is none; raises when the policy ended the stream."""
        ...


class OverflowPolicy(Protocol[T]):
    """What a stream does when a subscriber's buffer is full: it makes each subscriber's buffer."""

    def buffer(self) -> Buffer[T]: ...


class Ring(Protocol[T]):
    """A bounded FIFO that makes room itself: what :class:`DropAndCount` keeps items in.
    ``BatchRing`` (logs, bounded in lines and bytes) is one; :class:`BoundedRing` counts items."""

    def add(self, item: T) -> int:
        """Keep ``item``; returns how many older units (items, lines) had to go."""
        ...

    def popleft(self) -> T | None: ...


class BoundedRing(Generic[T]):
    """At most ``limit`` items; adding past it drops the oldest."""

    __slots__ = ("_items", "_limit")

    def __init__(self, limit: int) -> None:
        _check_limit(limit)
        self._items: deque[T] = deque()
        self._limit = limit

    def add(self, item: T) -> int:
        self._items.append(item)
        if len(self._items) > self._limit:
            self._items.popleft()
            return 1
        return 0

    def popleft(self) -> T | None:
        return self._items.popleft() if self._items else None

    def __len__(self) -> int:
        return len(self._items)


class LatestPerKey(Generic[T]):
    """Up to ``limit`` items in order; past it, only the newest item of each ``key``."""

    def __init__(self, key: Callable[[T], Hashable], limit: int = 256) -> None:
        _check_limit(limit)
        self.key = key
        self.limit = limit

    def buffer(self) -> Buffer[T]:
        return _LatestPerKeyBuffer(self.key, self.limit)


class _LatestPerKeyBuffer(Generic[T]):
    """A FIFO while the reader keeps within the bound; past it, one entry per key (ordered by
    each key's newest item) until the reader has caught up, then a FIFO again."""

    __slots__ = ("_items", "_latest", "_key", "_limit")

    def __init__(self, key: Callable[[T], Hashable], limit: int) -> None:
        self._items: deque[T] = deque()
        self._latest: OrderedDict[Hashable, T] | None = None
        self._key = key
        self._limit = limit

    def put(self, item: T) -> bool:
        latest = self._latest
        if latest is not None:
            key = self._key(item)
            latest[key] = item
            latest.move_to_end(key)
            return True
        items = self._items
        items.append(item)
        if len(items) > self._limit:
            latest = self._latest = OrderedDict()
            for kept in items:
                key = self._key(kept)
                latest[key] = kept
                latest.move_to_end(key)
            items.clear()
        return True

    def take(self) -> T | None:
        latest = self._latest
        if latest is not None:
            item = latest.popitem(last=False)[1]
            if not latest:
                self._latest = None  # caught up: every item counts again
            return item
        return self._items.popleft() if self._items else None

    def __len__(self) -> int:
        return len(self._latest) if self._latest is not None else len(self._items)


class DropAndCount(Generic[T]):
    """Items in a :class:`Ring` that drops the oldest when full; the reader then gets
    ``marker(count)`` — how many units were dropped — before the items that remain."""

    def __init__(self, marker: Callable[[int], T], ring: Callable[[], Ring[T]] | int = 10_000) -> None:
        self.marker = marker
        self.ring: Callable[[], Ring[T]] = ring if callable(ring) else _ring_of(ring)

    def buffer(self) -> Buffer[T]:
        return _DropAndCountBuffer(self.ring(), self.marker)


def _ring_of(limit: int) -> Callable[[], Ring[T]]:
    _check_limit(limit)
    return lambda: BoundedRing(limit)


class _DropAndCountBuffer(Generic[T]):
    __slots__ = ("_ring", "_marker", "dropped")

    def __init__(self, ring: Ring[T], marker: Callable[[int], T]) -> None:
        self._ring = ring
        self._marker = marker
        self.dropped = 0

    def put(self, item: T) -> bool:
        self.dropped += self._ring.add(item)
        return True

    def take(self) -> T | None:
        if self.dropped:
            count, self.dropped = self.dropped, 0
            return self._marker(count)
        return self._ring.popleft()


class GoneOnOverflow(Generic[T]):
    """Up to ``limit`` items; one more ends the subscription: its buffer is freed and the next
    read raises ``error()``."""

    def __init__(self, error: Callable[[], Exception], limit: int = 1_000) -> None:
        _check_limit(limit)
        self.error = error
        self.limit = limit

    def buffer(self) -> Buffer[T]:
        return _GoneBuffer(self.error, self.limit)


class _GoneBuffer(Generic[T]):
    __slots__ = ("_items", "_error", "_limit", "_gone")

    def __init__(self, error: Callable[[], Exception], limit: int) -> None:
        self._items: deque[T] = deque()
        self._error = error
        self._limit = limit
        self._gone = False

    def put(self, item: T) -> bool:
        if len(self._items) >= self._limit:
            self._items.clear()
            self._gone = True
            return False
        self._items.append(item)
        return True

    def take(self) -> T | None:
        if self._gone:
            raise self._error()
        return self._items.popleft() if self._items else None

    def __len__(self) -> int:
        return len(self._items)


def _check_limit(limit: int) -> None:
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"a broadcast buffer's limit must be a whole number of at least 1, not {limit!r}")
