"""A first-in-first-out list with O(1) append and pop from the front and O(1) indexing.

The store's buffers evict from the front and page by position (bisect on increasing ids); a
``collections.deque`` indexes in O(n) in the middle, a plain list pops from the front in O(n).
This keeps a list and an offset, compacting once the dead prefix outgrows the live part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_COMPACT_AT = 1024


class Fifo(Generic[T]):
    __slots__ = ("_items", "_head")

    def __init__(self) -> None:
        self._items: list[T | None] = []
        self._head = 0

    def __len__(self) -> int:
        return len(self._items) - self._head

    def __bool__(self) -> bool:
        return len(self._items) > self._head

    def append(self, item: T) -> None:
        self._items.append(item)

    def first(self) -> T:
        if not self:
            raise IndexError("empty")
        return self._items[self._head]  # type: ignore[return-value]

    def popleft(self) -> T:
        if not self:
            raise IndexError("empty")
        item = self._items[self._head]
        self._items[self._head] = None  # let it go now, not at the next compaction
        self._head += 1
        if self._head >= _COMPACT_AT and self._head * 2 >= len(self._items):
            del self._items[: self._head]
            self._head = 0
        return item  # type: ignore[return-value]

    def __getitem__(self, index: int) -> T:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._items[self._head + index]  # type: ignore[return-value]

    def __iter__(self) -> Iterator[T]:
        for index in range(self._head, len(self._items)):
            yield self._items[index]  # type: ignore[misc]

    def __reversed__(self) -> Iterator[T]:
        for index in range(len(self._items) - 1, self._head - 1, -1):
            yield self._items[index]  # type: ignore[misc]

    def bisect_left(self, value: int, key: Callable[[T], int]) -> int:
        """The first position whose ``key`` is >= ``value`` (keys increase along the list)."""
        low, high = 0, len(self)
        while low < high:
            middle = (low + high) // 2
            if key(self[middle]) < value:
                low = middle + 1
            else:
                high = middle
        return low

    def clear(self) -> None:
        self._items = []
        self._head = 0
