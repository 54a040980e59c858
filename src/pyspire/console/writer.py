"""Writing to the terminal without ever waiting for it.

A write to stdout blocks when nobody drains it: a pipe whose reader stopped reading (``pyspire run
| less`` left on its first page, a CI runner that reads late), a terminal paused with Ctrl+S. Done
on the event loop, that one write freezes the whole app host — the control API, the proxies'
bookkeeping, Ctrl+C. So the loop only hands text to a :class:`BoundedWriter`, which queues it
within a budget of bytes and lets a thread of its own do the blocking writes. When the reader
falls behind by more than the budget, new text is dropped and counted, and once the reader has
caught up the writer says how many lines the reader missed, at the place they were missed. A
regular file (or /dev/null) never keeps a writer waiting: it is written at once, as before.

The thread writes with ``os.write`` on a duplicate of the file descriptor, never through
``sys.stdout``: a daemon thread stuck inside a buffered ``sys.stdout`` write holds its lock, and
the interpreter aborts when it flushes that stream at exit. The descriptor is not made
non-blocking either: that flag belongs to the open file description, which the app host shares
with its parent shell and every process started from it.
"""

from __future__ import annotations

import contextlib
import os
import select
import stat
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol, TextIO

#: How many bytes may wait for a slow reader before output is dropped: enough for a terminal
#: that scrolls a burst of output, small enough that a reader who never comes costs little memory.
DEFAULT_BUDGET = 4 << 20
#: Text marked essential (pyspire's own messages: state changes, the summary) may use this much
#: more, so a flood of resource output does not hide why a resource failed.
ESSENTIAL_HEADROOM = 1 << 20
#: The thread writes at most this much per system call, so a drain can tell a slow reader (some
#: progress) from one that has stopped (none). Small against the budget: bytes being written
#: still count against it, and after each write the thread may wait a few milliseconds for the
#: interpreter lock while the loop goes on queuing.
_SLICE = 256 << 10
#: Less than this much queued, the thread waits ``_GATHER_SECONDS`` for more before writing.
_GATHER_BELOW = 64 << 10
_GATHER_SECONDS = 0.01


def lines_not_shown(count: int) -> str:
    return f"pyspire … {count:,} lines not shown: the console was not keeping up\n"


class TextSink(Protocol):
    """Where the console's text goes: :class:`BoundedWriter` for a real file, or
    :class:`DirectWriter` for an in-memory stream."""

    @property
    def broken(self) -> bool: ...

    @property
    def encoding(self) -> str: ...

    def write(self, text: str, lines: int | None = None, essential: bool = False) -> None: ...

    def drain(self, stall: float = 1.0, limit: float = 5.0) -> bool: ...


class BoundedWriter:
    """Writes text to file descriptor ``fd`` from a daemon thread; :meth:`write` never blocks.

    At most ``budget`` bytes wait for the reader (``budget + ESSENTIAL_HEADROOM`` for essential
    text). Past that, text is dropped and its lines counted; dropping goes on until the backlog is
    down to half the budget (so a reader that keeps up only now and then gets one notice, not a
    notice per line), and the next text written is preceded by ``notice(count)``.
    """

    def __init__(
        self,
        fd: int,
        encoding: str = "utf-8",
        budget: int = DEFAULT_BUDGET,
        notice: Callable[[int], str] = lines_not_shown,
    ) -> None:
        self._fd = fd
        self._encoding = encoding
        self._budget = budget
        self._notice = notice
        self._cond = threading.Condition()
        self._chunks: deque[bytes] = deque()
        self._pending = 0  # accepted and not yet written: queued or being written
        self._dropping = False
        self._dropped = 0  # since the last notice
        self._broken = False
        self._closing = False
        self._progress_at = time.monotonic()
        self._gave_up_at: float | None = None
        #: Every line dropped since this writer started (for tests and figures).
        self.dropped_total = 0
        self._thread = threading.Thread(target=self._run, name="pyspire-console-writer", daemon=True)
        self._thread.start()

    @property
    def broken(self) -> bool:
        """The reader is gone (a closed pipe): everything written from now on is discarded."""
        return self._broken

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def encoding(self) -> str:
        return self._encoding

    def write(self, text: str, lines: int | None = None, essential: bool = False) -> None:
        """Queue ``text`` (``lines`` lines; counted from its newlines when not given), or drop it
        when the reader is too far behind. Returns at once in either case."""
        data = text.encode(self._encoding, "replace")
        with self._cond:
            if self._broken or self._closing:
                return
            if not self._accepts(len(data), essential):
                count = text.count("\n") if lines is None else lines
                self._dropped += count
                self.dropped_total += count
                return
            self._flush_notice()
            self._queue(data)

    def _accepts(self, size: int, essential: bool) -> bool:
        if not self._pending:
            self._dropping = False
            return True  # whatever its size: the reader has caught up
        if essential:
            return self._pending + size <= self._budget + ESSENTIAL_HEADROOM
        if self._dropping and self._pending > self._budget // 2:
            return False
        self._dropping = self._pending + size > self._budget
        return not self._dropping

    def _flush_notice(self) -> None:
        if self._dropped:
            self._queue(self._notice(self._dropped).encode(self._encoding, "replace"))
            self._dropped = 0

    def _queue(self, data: bytes) -> None:
        self._chunks.append(data)
        self._pending += len(data)
        self._cond.notify_all()

    def drain(self, stall: float = 1.0, limit: float = 5.0) -> bool:
        """Wait until everything accepted is written (saying first how many lines were dropped,
        if any); True when it was. Gives up when the reader has taken nothing for ``stall``
        seconds, or after ``limit`` seconds in all, so a reader that never comes cannot hold up
        the app host's exit; a later drain gives up at once unless the reader moved meanwhile."""
        began = time.monotonic()
        with self._cond:
            if not self._broken:
                self._flush_notice()
            if self._gave_up_at is not None and self._progress_at <= self._gave_up_at:
                return not self._pending
            while self._pending and not self._broken:
                now = time.monotonic()
                give_up = min(began + limit, max(self._progress_at, began) + stall)
                if now >= give_up:
                    self._gave_up_at = now
                    return False
                self._cond.wait(give_up - now)
            return not self._broken

    def close(self, stall: float = 1.0, limit: float = 5.0) -> bool:
        """Drain (as :meth:`drain`), then stop the thread and close the descriptor; later writes
        are discarded. If the drain gave up, the thread is left blocked and the descriptor open."""
        drained = self.drain(stall, limit)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if drained:
            self._thread.join(limit)
        return drained

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._chunks and not self._closing:
                    self._cond.wait()
                gather = self._pending < _GATHER_BELOW and not self._closing
            if gather:
                # Output often comes as many small pieces (one per pipe read of a process that
                # flushes every line): waiting a moment for more costs the reader nothing it can
                # see, and spares a thread switch, fought for against the loop, per piece.
                time.sleep(_GATHER_SECONDS)
            with self._cond:
                if not self._chunks:  # closing, and everything is written
                    with contextlib.suppress(OSError):
                        os.close(self._fd)
                    return
                data = b"".join(self._chunks)
                self._chunks.clear()
            try:
                self._write_all(data)
            except OSError:  # the reader is gone (EPIPE), or the descriptor is unusable
                with self._cond:
                    self._broken = True
                    self._chunks.clear()
                    self._pending = 0
                    self._cond.notify_all()
                return

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view[:_SLICE])
            except BlockingIOError:
                # Someone else made the shared file description non-blocking: wait for room.
                select.select([], [self._fd], [], 1.0)
                continue
            view = view[written:]
            with self._cond:
                self._pending -= written
                self._progress_at = time.monotonic()
                self._cond.notify_all()


class DirectWriter:
    """A sink for a stream nobody has to read for a write to complete: a regular file, /dev/null,
    or one without a descriptor (an ``io.StringIO``). Written at once, on the caller's thread, as
    fast as before and without ever dropping a line: ``pyspire run > log`` keeps every line even
    when the machine is too busy for a writer thread to keep up."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._broken = False

    @property
    def broken(self) -> bool:
        return self._broken

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    def write(self, text: str, lines: int | None = None, essential: bool = False) -> None:
        if self._broken:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # closed
            self._broken = True

    def drain(self, stall: float = 1.0, limit: float = 5.0) -> bool:
        return not self._broken


_shared: dict[tuple[int, int], BoundedWriter] = {}
_shared_lock = threading.Lock()


def sink_for(stream: TextIO) -> TextSink:
    """The sink for ``stream``: a :class:`BoundedWriter` for what may not be read (a pipe, a
    terminal, a socket), a :class:`DirectWriter` otherwise. Streams open on the same pipe or
    terminal (stdout and stderr of ``2>&1``) share one writer, so their lines keep their order,
    one budget covers both, and two threads never interleave halves of their lines."""
    try:
        fd = stream.fileno()
        status = os.fstat(fd)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return DirectWriter(stream)
    if stat.S_ISREG(status.st_mode) or (stat.S_ISCHR(status.st_mode) and not os.isatty(fd)):
        return DirectWriter(stream)
    key = (status.st_dev, status.st_ino)
    with _shared_lock:
        writer = _shared.get(key)
        if writer is None or writer.closed:
            # What was printed before through the stream's own buffer goes first.
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
            encoding = getattr(stream, "encoding", None) or "utf-8"
            writer = _shared[key] = BoundedWriter(os.dup(fd), encoding)
        return writer
