"""Reading a process's output pipe into the log store: whole lines, cut when too long, in time
linear in what was read however the lines fall across reads."""

from __future__ import annotations

import asyncio
import codecs
import os
from typing import TYPE_CHECKING

from pyspire.orchestrator.log_batches import Stream

if TYPE_CHECKING:
    from pyspire.orchestrator.logs import LogStore

__all__ = ["PipeReader"]


class PipeReader:
    """Reads a non-blocking pipe on the event loop and hands complete lines to the log store.

    Reads up to 1 MiB per wake-up, finds the last newline and decodes and splits everything
    before it with C-level calls; the unterminated rest is kept as bytes until its newline
    arrives (a list of pieces, joined once: linear however long the line). A line longer than
    the resource's ``max_line`` is cut and ended with a marker giving its full size: while it
    arrives, only its first ``max_line`` bytes are kept and the rest is counted until its
    newline; a long line that arrives whole in one read is cut by the store. ``done`` resolves
    at EOF, after the last (unterminated) line is flushed.
    """

    CHUNK = 1 << 20

    def __init__(self, fd: int, store: LogStore, resource: str, replica: str, stream: Stream) -> None:
        self._fd = fd
        self._store = store
        self._resource = resource
        self._replica = replica
        self._stream: Stream = stream
        self._max_line = store.line_limit(resource)
        self._partial: list[bytes | memoryview] = []  # the unterminated last line, in pieces
        self._partial_size = 0
        self._head: bytes | None = None  # the kept start of an overlong line being skipped
        self._skipped = 0  # bytes of that line after its head
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
        start = 0
        if self._head is not None:  # inside an overlong line: skip to its end
            end = data.find(b"\n")
            if end < 0:
                self._skipped += len(data)
                return
            self._skipped += end
            self._flush_head()
            start = end + 1
        view = memoryview(data)
        last = data.rfind(b"\n", start)
        if last < 0:
            if start < len(data):
                self._hold(view[start:])
            return
        self._emit(data, start, last)
        if last + 1 < len(data):
            self._hold(view[last + 1 :])

    def _emit(self, data: bytes, start: int, end: int) -> None:
        """Decode and store the complete lines ``data[start:end]`` (after the held start of the
        first one)."""
        if self._partial:
            self._partial.append(memoryview(data)[start:end])
            data = b"".join(self._partial)
            start, end = 0, len(data)
            self._partial = []
            self._partial_size = 0
        text = str(memoryview(data)[start:end], "utf-8", "replace")
        lines = text.split("\n")
        if "\r" in text:
            lines = [line.rstrip("\r") for line in lines]
        if end - start > self._max_line and _may_hold_a_long_line(data, start, end, self._max_line):
            self._store.append(self._resource, self._replica, self._stream, lines)  # measured, cut
        else:
            size = end - start - len(lines) + 1  # the newlines are not kept
            self._store.append(self._resource, self._replica, self._stream, lines, size=size)

    def _hold(self, piece: memoryview) -> None:
        """Keep the start of an unterminated line; past ``max_line`` keep only its head."""
        room = self._max_line - self._partial_size
        if len(piece) <= room:
            self._partial.append(bytes(piece))
            self._partial_size += len(piece)
            return
        self._partial.append(bytes(piece[:room]))
        self._head = b"".join(self._partial)
        self._skipped = len(piece) - room
        self._partial = []
        self._partial_size = 0

    def _flush_head(self) -> None:
        head = self._head
        assert head is not None
        size = len(head) + self._skipped
        self._head = None
        self._skipped = 0
        # An incremental decoder leaves out a character the cut split in two.
        text = codecs.getincrementaldecoder("utf-8")("replace").decode(head)
        self._store.append_cut(self._resource, self._replica, self._stream, text, size)

    def _finish(self) -> None:
        self._loop.remove_reader(self._fd)
        if self._head is not None:
            self._flush_head()
        elif self._partial:
            tail = b"".join(self._partial).decode("utf-8", "replace")
            self._partial = []
            self._store.append(self._resource, self._replica, self._stream, [tail.rstrip("\r")])
        os.close(self._fd)
        if not self.done.done():
            self.done.set_result(None)

    def close(self) -> None:
        """Stop reading now (the process is gone and its pipe may be held by a stray child)."""
        if not self.done.done():
            self._finish()


def _may_hold_a_long_line(data: bytes, start: int, end: int, limit: int) -> bool:
    """Whether ``data[start:end]`` may contain a line longer than ``limit`` bytes, in a few
    C-level searches rather than a look at every line.

    Such a line covers at least one whole window of ``limit // 2`` bytes, counted from
    ``start``, without a newline; so when every window has one, no line is too long. A window
    without one only means "maybe" (a line between half and all of the limit), and the store
    then measures the lines itself.
    """
    step = max(1, limit // 2)
    for pos in range(start, end - step + 1, step):
        if data.find(b"\n", pos, pos + step) < 0:
            return True
    return False
