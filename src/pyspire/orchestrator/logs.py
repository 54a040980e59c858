"""Captured output: a ring buffer per resource, and subscribers that follow it.

Output arrives in chunks (a pipe read), so the store works in batches: one timestamp, one
subscriber call and one ring-buffer extend per chunk rather than per line. That keeps capture cheap
at any volume, and a subscriber that falls behind loses lines (told how many) instead of making the
app host's memory grow or its loop stall.

Memory is bounded in bytes as well as lines: a line longer than ``max_line`` (64 KiB) is cut,
ending in a marker that gives its full length, and each resource keeps at most ``max_bytes``
(16 MiB) besides its line count, so what ``GET logs`` returns is bounded by construction. Cutting
happens after redaction and never leaves the beginning of a secret at the cut (see
:func:`_cut`): a line's pieces cannot reveal what the whole line would have masked.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pyspire.orchestrator.broadcast import Broadcast
from pyspire.orchestrator.log_batches import BatchRing, LogBatch, LogLine, Stream
from pyspire.orchestrator.overflow import DropAndCount
from pyspire.orchestrator.pipe_reader import PipeReader
from pyspire.orchestrator.redaction import Redactor

__all__ = ["LogBatch", "LogLine", "LogStore", "PipeReader", "Stream"]

#: Lines kept per resource, unless configured otherwise (Aspire keeps 10,000 too).
DEFAULT_MAX_LINES = 10_000
#: Characters kept per resource besides the line count.
DEFAULT_MAX_BYTES = 16 << 20
#: Longest line kept; Docker splits at 16 KiB, this is long enough for a JSON log record.
DEFAULT_MAX_LINE = 64 << 10
#: What a follower that does not keep up may have queued before it loses lines.
FOLLOW_MAX_LINES = 100_000
FOLLOW_MAX_BYTES = 8 << 20


BatchCallback = Callable[[LogBatch], None]


@dataclass
class _ResourceLog:
    """A resource's kept batches and the limits that apply to it. Lines stay in the batches they
    arrived in; :class:`LogLine` objects are built only when someone reads."""

    ring: BatchRing
    max_line: int
    subscribers: list[BatchCallback] = field(default_factory=list)
    #: Followers (:meth:`LogStore.follow`): each with its own bounded queue.
    followers: Broadcast[LogBatch] = field(default_factory=lambda: Broadcast(_FOLLOWING))

    def batches(self, replica: str | None, tail: int | None) -> list[LogBatch]:
        """The kept batches of ``replica`` (all when None), cut to the last ``tail`` lines."""
        found = [b for b in self.ring.batches if replica is None or b.replica == replica]
        if not tail:
            return found
        picked: list[LogBatch] = []
        count = 0
        for batch in reversed(found):
            if count + len(batch.lines) >= tail:
                lines = batch.lines[len(batch.lines) - (tail - count) :]
                picked.append(dataclasses.replace(batch, lines=lines, size=sum(map(len, lines))))
                break
            picked.append(batch)
            count += len(batch.lines)
        picked.reverse()
        return picked


class LogStore:
    """Per-resource ring buffers of captured output, with live subscribers."""

    def __init__(
        self,
        default_lines: int = DEFAULT_MAX_LINES,
        redactor: Redactor | None = None,
        *,
        default_bytes: int = DEFAULT_MAX_BYTES,
        max_line: int = DEFAULT_MAX_LINE,
    ) -> None:
        _check_positive(default_lines=default_lines, default_bytes=default_bytes, max_line=max_line)
        self.default_lines = default_lines
        self.default_bytes = default_bytes
        self.default_max_line = max_line
        self.redactor = redactor or Redactor()
        self._logs: dict[str, _ResourceLog] = {}
        self._global_subscribers: list[BatchCallback] = []
        self._global_followers: Broadcast[LogBatch] = Broadcast(_FOLLOWING)

    def _log(self, resource: str) -> _ResourceLog:
        log = self._logs.get(resource)
        if log is None:
            ring = BatchRing(self.default_lines, self.default_bytes)
            log = self._logs[resource] = _ResourceLog(ring, self.default_max_line)
        return log

    def configure(
        self,
        resource: str,
        max_lines: int | None = None,
        max_bytes: int | None = None,
        max_line: int | None = None,
    ) -> None:
        """Set a resource's buffer size in lines and in bytes (characters), and its longest line;
        None keeps the store's default."""
        _check_positive(max_lines=max_lines, max_bytes=max_bytes, max_line=max_line)
        log = self._log(resource)
        log.ring.max_lines = max_lines or self.default_lines
        log.ring.max_bytes = max_bytes or self.default_bytes
        log.max_line = max_line or self.default_max_line
        log.ring.trim()

    def line_limit(self, resource: str) -> int:
        """The longest line kept for ``resource``; a reader cuts what is longer (bytes)."""
        return self._log(resource).max_line

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
        size: int | None = None,
    ) -> None:
        """Keep ``lines`` (redacted, and cut to the resource's :meth:`line_limit`) and pass them
        on to subscribers. ``size``: the bytes the lines took, from a caller that has made sure
        none is longer than the limit (the pipe reader, which can tell cheaply from the bytes);
        otherwise the store measures every line."""
        if not lines:
            return
        log = self._log(resource)
        lines = self.redactor.mask_lines(lines)
        if size is None:
            lines, size = _bounded(lines, log.max_line, self.redactor.patterns)
        self._publish(log, LogBatch(resource, replica, stream, _now(timestamp), lines, size))

    def append_cut(self, resource: str, replica: str, stream: Stream, head: str, size: int) -> None:
        """A line its reader had to cut: ``head`` is how it began, ``size`` its full length in
        bytes. Redacted like any line, then ended with the marker."""
        log = self._log(resource)
        text = _cut(self.redactor.mask(head), log.max_line, size, self.redactor.patterns)
        self._publish(log, LogBatch(resource, replica, stream, time.time(), [text], len(text)))

    def _publish(self, log: _ResourceLog, batch: LogBatch) -> None:
        log.ring.add(batch)
        for callback in log.subscribers:
            callback(batch)
        for callback in self._global_subscribers:
            callback(batch)
        log.followers.publish(batch)
        self._global_followers.publish(batch)

    def system(self, resource: str, text: str, replica: str = "") -> None:
        """A message from the app host about the resource (what it waits for, why it failed)."""
        self.append(resource, replica or resource, "system", [text])

    def lines(self, resource: str, replica: str | None = None, tail: int | None = None) -> list[LogLine]:
        log = self._logs.get(resource)
        if log is None:
            return []
        return [line for batch in log.batches(replica, tail) for line in batch.iter_lines()]

    def all_lines(self, tail: int | None = None) -> list[LogLine]:
        """Every resource's lines (the last ``tail`` of each), interleaved by time."""
        return [line for batch in self._all_batches(tail) for line in batch.iter_lines()]

    def _all_batches(self, tail: int | None) -> list[LogBatch]:
        merged = [batch for log in self._logs.values() for batch in log.batches(None, tail)]
        merged.sort(key=lambda batch: batch.timestamp)  # stable: a resource keeps its order
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
        limit: int = FOLLOW_MAX_LINES,
        tail: int = 0,
        limit_bytes: int = FOLLOW_MAX_BYTES,
    ) -> AsyncIterator[LogLine]:
        """Yield new lines as they arrive (of ``resource``, or of every resource when None),
        after the last ``tail`` lines already kept (-1: all of them). The backlog is read in the
        same step that subscribes, so no line is missed or repeated between the two. Past
        ``limit`` queued lines or ``limit_bytes`` queued characters the oldest are dropped and a
        system line says how many, so a slow follower never holds the app host back."""
        async for lines in self.follow_batches(resource, replica, limit, tail, limit_bytes):
            for line in lines:
                yield line

    async def follow_batches(
        self,
        resource: str | None,
        replica: str | None = None,
        limit: int = FOLLOW_MAX_LINES,
        tail: int = 0,
        limit_bytes: int = FOLLOW_MAX_BYTES,
    ) -> AsyncIterator[list[LogLine]]:
        """:meth:`follow`, a captured chunk at a time: what a stream sends in one write, so a
        resource printing 10,000 lines a second costs its followers a write per chunk, not per line."""
        followers = self._log(resource).followers if resource else self._global_followers
        accept = None if replica is None else (lambda batch: batch.replica == replica)
        policy = _follow_policy(resource or "", replica or resource or "", limit, limit_bytes)
        backlog: list[LogBatch] = []
        if tail:
            count = None if tail < 0 else tail
            if resource:
                backlog = self._log(resource).batches(replica, count)
            else:
                backlog = self._all_batches(count)
        with followers.subscribe(accept, policy) as batches:
            if backlog:  # what the store keeps already: it costs the follower nothing
                yield [line for kept in backlog for line in kept.iter_lines()]
            backlog = []
            async for batch in batches:
                yield list(batch.iter_lines())


def _follow_policy(resource: str, replica: str, max_lines: int, max_bytes: int) -> DropAndCount[LogBatch]:
    """A follower's queue: at most ``max_lines`` lines and ``max_bytes`` characters; past either
    the oldest lines go and a system line (from ``replica`` of ``resource``) says how many."""

    def dropped(count: int) -> LogBatch:
        text = f"... {count} lines dropped ..."
        return LogBatch(resource, replica, "system", time.time(), [text], len(text))

    return DropAndCount(dropped, lambda: BatchRing(max_lines, max_bytes))


#: The streams' default; :meth:`LogStore.follow` gives each follower a policy of its own.
_FOLLOWING: DropAndCount[LogBatch] = _follow_policy("", "", FOLLOW_MAX_LINES, FOLLOW_MAX_BYTES)


def _now(timestamp: float | None) -> float:
    return timestamp if timestamp is not None else time.time()


def _check_positive(**limits: int | None) -> None:
    for name, value in limits.items():
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"log {name} must be a whole number of at least 1, not {value!r}")


def _bounded(lines: Sequence[str], limit: int, secrets: tuple[str, ...]) -> tuple[Sequence[str], int]:
    """``lines`` with every line longer than ``limit`` cut, and their size."""
    size = sum(map(len, lines))
    if size > limit and max(map(len, lines)) > limit:
        lines = [_cut(t, limit, _utf8_size(t), secrets) if len(t) > limit else t for t in lines]
        size = sum(map(len, lines))
    return lines, size


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _cut(text: str, limit: int, size: int, secrets: tuple[str, ...]) -> str:
    """``text`` (already redacted) cut to ``limit`` characters and ended with the marker.

    A secret that straddles the cut is not in the head whole, so redaction could not mask it;
    the head is therefore shortened to before any trailing beginning of a secret. Stripping
    such a beginning can only remove too much (text that merely looks like one), never show a
    part of a secret.
    """
    head = text[:limit]
    for secret in secrets:
        head = head[: len(head) - _secret_start_at_end(head, secret)]
    return f"{head}… [line truncated: {size:,} bytes]"


def _secret_start_at_end(head: str, secret: str) -> int:
    """Length of the longest proper prefix of ``secret`` that ``head`` ends with (0: none)."""
    i = head.find(secret[0], max(0, len(head) - len(secret) + 1))
    while i != -1:
        if secret.startswith(head[i:]):
            return len(head) - i
        i = head.find(secret[0], i + 1)
    return 0
