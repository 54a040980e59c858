"""The units of captured output (lines, and batches of lines that arrived together) and the ring
that keeps them within a budget of lines *and* bytes.

A budget in lines alone does not bound memory: 2,000 lines of 1 MiB are 2 GB. So every batch
carries its size, and :class:`BatchRing` drops the oldest lines while either budget is exceeded.
The same ring serves a resource's backlog and each follower's queue, so both are bounded alike.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Literal, NamedTuple

__all__ = ["BatchRing", "LogBatch", "LogLine", "Stream"]

Stream = Literal["stdout", "stderr", "system"]


class LogLine(NamedTuple):
    """One line of a resource's output. ``timestamp`` is seconds since the epoch (UTC)."""

    timestamp: float
    replica: str
    stream: Stream
    text: str
    resource: str = ""


@dataclass(frozen=True)
class LogBatch:
    """Lines that arrived together from one replica's stream; ``size`` is the characters of
    ``lines`` in all (newlines not counted), what the byte budgets are charged."""

    resource: str
    replica: str
    stream: Stream
    timestamp: float
    lines: Sequence[str]
    size: int

    def log_lines(self) -> list[LogLine]:
        return list(self.iter_lines())

    def iter_lines(self) -> Iterator[LogLine]:
        for text in self.lines:
            yield LogLine(self.timestamp, self.replica, self.stream, text, self.resource)


class BatchRing:
    """Batches, oldest first, holding at most ``max_lines`` lines and ``max_bytes`` characters.

    Adding past either budget drops the oldest lines (a batch is cut, not split into lines, so
    the common case stays one slice). The newest line is always kept, even when it alone is over
    the byte budget, so the ring never forgets the last thing a resource said.
    """

    __slots__ = ("max_lines", "max_bytes", "batches", "lines", "size")

    def __init__(self, max_lines: int, max_bytes: int) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.batches: deque[LogBatch] = deque()
        self.lines = 0
        self.size = 0

    def add(self, batch: LogBatch) -> int:
        """Keep ``batch``; returns how many (older) lines had to go to make room."""
        self.batches.append(batch)
        self.lines += len(batch.lines)
        self.size += batch.size
        return self.trim()

    def popleft(self) -> LogBatch | None:
        """Take the oldest batch out (None when empty)."""
        if not self.batches:
            return None
        batch = self.batches.popleft()
        self.lines -= len(batch.lines)
        self.size -= batch.size
        return batch

    def trim(self) -> int:
        """Drop the oldest lines until both budgets hold; returns how many were dropped."""
        dropped = 0
        batches = self.batches
        while self.lines > self.max_lines or (self.size > self.max_bytes and self.lines > 1):
            first = batches[0]
            count = len(first.lines)
            drop = max(self.lines - self.max_lines, _lines_to_free(first, self.size - self.max_bytes))
            if len(batches) == 1:
                drop = min(drop, count - 1)  # keep the newest line
                if drop <= 0:
                    break
            if drop >= count:
                batches.popleft()
                self.lines -= count
                self.size -= first.size
                dropped += count
                continue
            freed = sum(map(len, islice(first.lines, drop)))
            batches[0] = dataclasses.replace(first, lines=first.lines[drop:], size=first.size - freed)
            self.lines -= drop
            self.size -= freed
            dropped += drop
        return dropped


def _lines_to_free(batch: LogBatch, excess: int) -> int:
    """How many of ``batch``'s first lines hold at least ``excess`` characters."""
    if excess <= 0:
        return 0
    if excess >= batch.size:
        return len(batch.lines)
    for count, total in enumerate(accumulate(map(len, batch.lines)), 1):
        if total >= excess:
            return count
    return len(batch.lines)
