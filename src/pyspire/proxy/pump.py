"""One direction of a TCP connection: move bytes from a source socket to a destination socket.

Each pump is driven by ``loop.add_reader``/``add_writer`` on raw non-blocking sockets rather than
asyncio streams: a stream copy loop allocates a ``bytes`` per chunk and goes through transports and
protocols, which caps throughput at well under half of nginx's. The control flow is:

* source readable -> read a chunk -> write it straight away (no extra loop iteration);
* destination full -> stop reading the source (backpressure: the kernel's socket buffers, not our
  memory, hold the backlog) and wait until the destination is writable, then resume reading;
* source EOF -> once everything read has been written, ``shutdown(SHUT_WR)`` the destination and
  leave the other direction running (half-close);
* any socket error -> the owning connection aborts both sides;
* no pipe to be had (the process is out of descriptors) -> stop reading the source for a moment and
  try again, so the connection outlives the shortage instead of spinning on a readable socket.

:class:`SplicePump` moves data with ``splice(2)`` through a pooled pipe (zero copy);
:class:`CopyPump` is the portable fallback using ``recv_into``/``send`` on a pooled buffer.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from collections.abc import Callable
from typing import Protocol

from .exhaustion import EXHAUSTED
from .splice import SPLICE_FLAGS, Pipe, PipePool
from .stats import Counters

__all__ = ["BufferPool", "CopyPump", "Pump", "PumpOwner", "SplicePump"]


def _no_splice(*_args: object) -> int:
    raise OSError(errno.ENOSYS, "splice(2) is not available on this system")


# Absent off Linux; the proxy then uses CopyPump and this stand-in is never called.
_splice: Callable[..., int] = getattr(os, "splice", _no_splice)
_SHUT_WR = socket.SHUT_WR
#: Fallback copy buffer size: large enough that bulk transfers need few system calls.
COPY_BUFFER_SIZE = 256 * 1024
#: Seconds a pump that could not get a pipe waits before it tries again.
PIPE_RETRY = 0.1


class PumpOwner(Protocol):
    """What a pump reports to: the connection that owns both directions."""

    def abort(self, exc: OSError | None) -> None:
        """A socket failed: tear the whole connection down."""

    def pump_done(self) -> None:
        """This direction has finished (EOF forwarded); close once both have."""

    def starved(self, exc: OSError) -> None:
        """No pipe could be had (out of descriptors); the pump retries by itself."""

    def fed(self) -> None:
        """A starved pump got its pipe."""


class Pump:
    """Shared control flow of both pump kinds; subclasses move the bytes."""

    __slots__ = (
        "_loop",
        "_owner",
        "_src",
        "_dst",
        "_src_fd",
        "_dst_fd",
        "_counters",
        "_pending",
        "reading",
        "writing",
        "done",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        owner: PumpOwner,
        src: socket.socket,
        dst: socket.socket,
        counters: Counters,
    ) -> None:
        self._loop = loop
        self._owner = owner
        self._src = src
        self._dst = dst
        self._src_fd = src.fileno()
        self._dst_fd = dst.fileno()
        self._counters = counters
        self._pending = 0  # bytes read but not yet written
        self.reading = False
        self.writing = False
        self.done = False

    def start(self) -> None:
        """Begin watching the source."""
        self.reading = True
        self._loop.add_reader(self._src_fd, self._on_readable)

    def stop(self) -> None:
        """Unregister from the loop and drop any buffered data; the owner closes the sockets."""
        if self.reading:
            self.reading = False
            self._loop.remove_reader(self._src_fd)
        if self.writing:
            self.writing = False
            self._loop.remove_writer(self._dst_fd)
        self._drop_buffer()

    # -- hooks implemented by subclasses -------------------------------------------------------

    def _on_readable(self) -> None:
        raise NotImplementedError

    def _flush(self) -> bool:
        """Write pending bytes; True when all are written, False when the destination is full."""
        raise NotImplementedError

    def _release_buffer(self) -> None:
        """Hand the (now empty) buffer back to the pool."""

    def _drop_buffer(self) -> None:
        """Discard the buffer, which may still hold data."""

    # -- shared control flow -------------------------------------------------------------------

    def _blocked(self) -> None:
        """The destination is full: stop reading the source until it drains."""
        if self.reading:
            self.reading = False
            self._loop.remove_reader(self._src_fd)
        if not self.writing:
            self.writing = True
            self._loop.add_writer(self._dst_fd, self._on_writable)

    def _on_writable(self) -> None:
        try:
            if not self._flush():
                return
        except OSError as exc:
            self._owner.abort(exc)
            return
        self._release_buffer()
        self.writing = False
        self._loop.remove_writer(self._dst_fd)
        self.reading = True
        self._loop.add_reader(self._src_fd, self._on_readable)

    def _on_eof(self) -> None:
        """The source finished sending; nothing is pending (reads only happen on an empty buffer)."""
        self._release_buffer()
        if self.reading:
            self.reading = False
            self._loop.remove_reader(self._src_fd)
        self.done = True
        try:
            self._dst.shutdown(_SHUT_WR)
        except OSError as exc:
            self._owner.abort(exc)
            return
        self._owner.pump_done()


class SplicePump(Pump):
    """Zero-copy pump: source socket -> pooled pipe -> destination socket."""

    __slots__ = ("_pool", "_pipe", "_retry")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        owner: PumpOwner,
        src: socket.socket,
        dst: socket.socket,
        counters: Counters,
        pool: PipePool,
    ) -> None:
        super().__init__(loop, owner, src, dst, counters)
        self._pool = pool
        self._pipe: Pipe | None = None
        self._retry: asyncio.TimerHandle | None = None

    def _on_readable(self) -> None:
        # The hot path: kept flat, one splice in and (usually) one splice out per event.
        pipe = self._pipe
        if pipe is None:
            try:
                pipe = self._pipe = self._pool.acquire()
            except OSError as exc:
                self._starve(exc)
                return
        try:
            n = _splice(self._src_fd, pipe.w, pipe.capacity, None, None, SPLICE_FLAGS)
        except BlockingIOError:  # spurious wake-up: keep no pipe while idle
            self._pipe = None
            self._pool.release(pipe)
            return
        except OSError as exc:
            self._owner.abort(exc)
            return
        if not n:
            self._on_eof()
            return
        self._counters.bytes_forwarded += n
        self._pending = n
        try:
            while True:
                n = _splice(pipe.r, self._dst_fd, self._pending, None, None, SPLICE_FLAGS)
                self._pending -= n
                if not self._pending:
                    break
        except BlockingIOError:
            self._blocked()
            return
        except OSError as exc:
            self._owner.abort(exc)
            return
        self._pipe = None
        self._pool.release(pipe)

    def _starve(self, exc: OSError) -> None:
        """No pipe for the bytes waiting in the source: leave them there and look again shortly
        (a level-triggered reader would otherwise fire, and fail, on every loop iteration)."""
        if exc.errno not in EXHAUSTED:
            self._owner.abort(exc)
            return
        self._owner.starved(exc)
        if self.reading:
            self.reading = False
            self._loop.remove_reader(self._src_fd)
        self._retry = self._loop.call_later(PIPE_RETRY, self._try_again)

    def _try_again(self) -> None:
        self._retry = None
        try:
            self._pipe = self._pool.acquire()
        except OSError as exc:
            self._starve(exc)
            return
        self._owner.fed()
        self.reading = True
        self._loop.add_reader(self._src_fd, self._on_readable)

    def stop(self) -> None:
        """Unregister from the loop, cancel a pending retry and drop any buffered data."""
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        super().stop()

    def _flush(self) -> bool:
        pipe = self._pipe
        assert pipe is not None
        try:
            while self._pending:
                n = _splice(pipe.r, self._dst_fd, self._pending, None, None, SPLICE_FLAGS)
                self._pending -= n
        except BlockingIOError:
            return False
        return True

    def _release_buffer(self) -> None:
        pipe = self._pipe
        if pipe is not None:
            self._pipe = None
            self._pool.release(pipe)

    def _drop_buffer(self) -> None:
        pipe = self._pipe
        if pipe is not None:
            self._pipe = None
            if self._pending:
                pipe.close()  # still holds data: cannot be reused
            else:
                self._pool.release(pipe)
            self._pending = 0


class BufferPool:
    """Reusable copy buffers for :class:`CopyPump`, shared like pipes are for splice."""

    __slots__ = ("_free", "_size", "_keep")

    def __init__(self, size: int = COPY_BUFFER_SIZE, keep: int = 16) -> None:
        self._free: list[memoryview] = []
        self._size = size
        self._keep = keep

    def acquire(self) -> memoryview:
        """A buffer (contents irrelevant)."""
        return self._free.pop() if self._free else memoryview(bytearray(self._size))

    def release(self, buf: memoryview) -> None:
        """Return a buffer for reuse."""
        if len(self._free) < self._keep:
            self._free.append(buf)

    def clear(self) -> None:
        """Free every spare buffer."""
        self._free.clear()


class CopyPump(Pump):
    """Fallback pump for systems without ``splice``: ``recv_into`` a pooled buffer, then ``send``."""

    __slots__ = ("_pool", "_buf", "_offset")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        owner: PumpOwner,
        src: socket.socket,
        dst: socket.socket,
        counters: Counters,
        pool: BufferPool,
    ) -> None:
        super().__init__(loop, owner, src, dst, counters)
        self._pool = pool
        self._buf: memoryview | None = None
        self._offset = 0

    def _on_readable(self) -> None:
        buf = self._buf
        if buf is None:
            buf = self._buf = self._pool.acquire()
        try:
            n = self._src.recv_into(buf)
        except BlockingIOError:
            return
        except OSError as exc:
            self._owner.abort(exc)
            return
        if not n:
            self._on_eof()
            return
        self._counters.bytes_forwarded += n
        self._pending = n
        self._offset = 0
        try:
            flushed = self._flush()
        except OSError as exc:
            self._owner.abort(exc)
            return
        if flushed:
            self._buf = None
            self._pool.release(buf)
        else:
            self._blocked()

    def _flush(self) -> bool:
        buf = self._buf
        assert buf is not None
        try:
            while self._pending:
                n = self._dst.send(buf[self._offset : self._offset + self._pending])
                self._offset += n
                self._pending -= n
        except BlockingIOError:
            return False
        return True

    def _release_buffer(self) -> None:
        buf = self._buf
        if buf is not None:
            self._buf = None
            self._pool.release(buf)

    def _drop_buffer(self) -> None:
        self._pending = 0
        self._release_buffer()
