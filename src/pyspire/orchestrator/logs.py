"""Captured output: a ring buffer per resource, and subscribers that follow it.

Output arrives in chunks (a pipe read), so the store works in batches: one timestamp, one
subscriber call and one ring-buffer extend per chunk rather than per line. That keeps capture cheap
at any volume, and a subscriber that falls behind loses lines (told how many) instead of making the
app host's memory grow or its loop stall.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from pyspire.orchestrator.redaction import Redactor

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
    """Lines that arrived together from one replica's stream."""

    resource: str
    replica: str
    stream: Stream
    timestamp: float
    lines: Sequence[str]

    def log_lines(self) -> list[LogLine]:
        return [LogLine(self.timestamp, self.replica, self.stream, t, self.resource) for t in self.lines]


BatchCallback = Callable[[LogBatch], None]


@dataclass
class _ResourceLog:
    """A ring buffer of batches holding at most ``max_lines`` lines in all. Lines stay in the
    batches they arrived in; :class:`LogLine` objects are built only when someone reads."""

    max_lines: int
    batches: deque[LogBatch] = field(default_factory=deque)
    count: int = 0
    subscribers: list[BatchCallback] = field(default_factory=list)

    def keep(self, batch: LogBatch) -> None:
        if len(batch.lines) > self.max_lines:
            batch = dataclasses.replace(batch, lines=batch.lines[-self.max_lines :])
        self.batches.append(batch)
        self.count += len(batch.lines)
        self.trim()

    def trim(self) -> None:
        while self.count > self.max_lines:
            first = self.batches[0]
            excess = self.count - self.max_lines
            if len(first.lines) <= excess:
                self.batches.popleft()
                self.count -= len(first.lines)
            else:
                self.batches[0] = dataclasses.replace(first, lines=first.lines[excess:])
                self.count -= excess


class LogStore:
    """Per-resource ring buffers of captured output, with live subscribers."""

    def __init__(self, default_lines: int = 10_000, redactor: Redactor | None = None) -> None:
        self.default_lines = default_lines
        self.redactor = redactor or Redactor()
        self._logs: dict[str, _ResourceLog] = {}
        self._global_subscribers: list[BatchCallback] = []

    def _log(self, resource: str) -> _ResourceLog:
        log = self._logs.get(resource)
        if log is None:
            log = self._logs[resource] = _ResourceLog(self.default_lines)
        return log

    def configure(self, resource: str, max_lines: int | None = None) -> None:
        """Set a resource's buffer size."""
        log = self._log(resource)
        log.max_lines = max_lines or self.default_lines
        log.trim()

    def redact(self, secrets: Iterable[str]) -> None:
        """Mask these values in every resource's output from now on: a secret one resource
        received can be echoed by another (a client printing a server's reply)."""
        self.redactor.add(secrets)

    def append(
        self,
        resource: str,
        replica: str,
        stream: Stream,
        lines: Sequence[str],
        timestamp: float | None = None,
    ) -> None:
        if not lines:
            return
        log = self._log(resource)
        lines = self.redactor.mask_lines(lines)
        batch = LogBatch(
            resource, replica, stream, timestamp if timestamp is not None else time.time(), lines
        )
        log.keep(batch)
        for callback in log.subscribers:
            callback(batch)
        for callback in self._global_subscribers:
            callback(batch)

    def system(self, resource: str, text: str, replica: str = "") -> None:
        """A message from the app host about the resource (what it waits for, why it failed)."""
        self.append(resource, replica or resource, "system", [text])

    def lines(self, resource: str, replica: str | None = None, tail: int | None = None) -> list[LogLine]:
        log = self._logs.get(resource)
        if log is None:
            return []
        found = [
            line
            for batch in log.batches
            if replica is None or batch.replica == replica
            for line in batch.log_lines()
        ]
        return found[-tail:] if tail else found

    def all_lines(self, tail: int | None = None) -> list[LogLine]:
        """Every resource's lines (the last ``tail`` of each), interleaved by time."""
        merged = [line for resource in self._logs for line in self.lines(resource, tail=tail)]
        merged.sort(key=lambda line: line.timestamp)  # stable: a batch keeps its order
        return merged

    def resources(self) -> list[str]:
        return list(self._logs)

    def subscribe(self, callback: BatchCallback, resource: str | None = None) -> Callable[[], None]:
        """Call ``callback`` with every new batch (of ``resource``, or of all); returns an unsubscribe."""
        target = self._log(resource).subscribers if resource else self._global_subscribers
        target.append(callback)

        def unsubscribe() -> None:
            if callback in target:
                target.remove(callback)

        return unsubscribe

    async def follow(
        self,
        resource: str | None,
        replica: str | None = None,
        limit: int = 100_000,
        tail: int = 0,
    ) -> AsyncIterator[LogLine]:
        """Yield new lines as they arrive (of ``resource``, or of every resource when None),
        after the last ``tail`` lines already kept (-1: all of them). The backlog is read in the
        same step that subscribes, so no line is missed or repeated between the two. Past
        ``limit`` queued lines the oldest are dropped and a system line says how many, so a slow
        follower never holds the app host back."""
        queue: deque[LogLine] = deque()
        wake = asyncio.Event()
        dropped = 0

        def on_batch(batch: LogBatch) -> None:
            nonlocal dropped
            if replica is not None and batch.replica != replica:
                return
            queue.extend(batch.log_lines())
            overflow = len(queue) - limit
            if overflow > 0:
                dropped += overflow
                for _ in range(overflow):
                    queue.popleft()
            wake.set()

        unsubscribe = self.subscribe(on_batch, resource)
        if tail:
            count = None if tail < 0 else tail
            backlog = self.lines(resource, replica, count) if resource else self.all_lines(count)
            queue.extendleft(reversed(backlog))
            wake.set()
        try:
            while True:
                await wake.wait()
                wake.clear()
                if dropped:
                    yield LogLine(
                        time.time(),
                        replica or resource or "",
                        "system",
                        f"... {dropped} lines dropped ...",
                        resource or "",
                    )
                    dropped = 0
                while queue:
                    yield queue.popleft()
        finally:
            unsubscribe()


class PipeReader:
    """Reads a non-blocking pipe on the event loop and hands complete lines to the log store.

    Reads up to 1 MiB per wake-up and splits with C-level ``str.split``; a partial last line waits
    for the rest. ``done`` resolves at EOF, after the last (unterminated) line is flushed.
    """

    CHUNK = 1 << 20

    def __init__(self, fd: int, store: LogStore, resource: str, replica: str, stream: Stream) -> None:
        self._fd = fd
        self._store = store
        self._resource = resource
        self._replica = replica
        self._stream: Stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._partial = ""
        self._loop = asyncio.get_running_loop()
        self.done: asyncio.Future[None] = self._loop.create_future()
        self._loop.add_reader(fd, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, self.CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._finish()
            return
        text = self._partial + self._decoder.decode(data)
        lines = text.split("\n")
        self._partial = lines.pop()
        if lines:
            if "\r" in text:
                lines = [line.rstrip("\r") for line in lines]
            self._store.append(self._resource, self._replica, self._stream, lines)

    def _finish(self) -> None:
        self._loop.remove_reader(self._fd)
        tail = self._partial + self._decoder.decode(b"", final=True)
        if tail:
            self._store.append(self._resource, self._replica, self._stream, [tail.rstrip("\r")])
        os.close(self._fd)
        if not self.done.done():
            self.done.set_result(None)

    def close(self) -> None:
        """Stop reading now (the process is gone and its pipe may be held by a stray child)."""
        if not self.done.done():
            self._finish()
