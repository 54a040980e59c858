"""Kernel pipes for zero-copy forwarding with ``splice(2)``, pooled across connections.

``splice`` moves socket data into a pipe and from the pipe into another socket without copying it
through user space, which is what lets a Python proxy keep up with nginx. A pipe only holds data
while the destination socket is full, so instead of two pipes per connection (four file
descriptors, and pipe memory charged to the user) the pipes live in a pool: a direction borrows one
for a read and hands it back as soon as it is empty again. Idle connections then hold no pipes.
"""

from __future__ import annotations

import fcntl
import os
import socket
from functools import cache

__all__ = ["SPLICE_FLAGS", "Pipe", "PipePool", "splice_available"]

SPLICE_FLAGS: int = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)

#: Requested pipe capacity; capped by /proc/sys/fs/pipe-max-size. One splice moves at most this much.
DEFAULT_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ: int = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_F_GETPIPE_SZ: int = getattr(fcntl, "F_GETPIPE_SZ", 1032)


@cache
def splice_available() -> bool:
    """Whether ``os.splice`` works between sockets here (Linux only; some sandboxes forbid it)."""
    if not hasattr(os, "splice") or not hasattr(os, "SPLICE_F_NONBLOCK"):
        return False
    a, b = socket.socketpair()
    r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        a.sendall(b"x")
        moved = os.splice(b.fileno(), w, 1, flags=SPLICE_FLAGS)
        moved = os.splice(r, a.fileno(), moved, flags=SPLICE_FLAGS) if moved == 1 else 0
        return moved == 1
    except OSError:
        return False
    finally:
        for fd in (r, w):
            os.close(fd)
        a.close()
        b.close()


def _max_pipe_size() -> int:
    try:
        with open("/proc/sys/fs/pipe-max-size") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return DEFAULT_PIPE_SIZE


class Pipe:
    """A non-blocking pipe used as a splice buffer; ``capacity`` is what the kernel granted."""

    __slots__ = ("r", "w", "capacity")

    def __init__(self, size: int) -> None:
        self.r, self.w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            self.capacity = fcntl.fcntl(self.w, _F_SETPIPE_SZ, size)
        except OSError:
            # Over the per-user pipe memory limit (EPERM) or an old kernel: the default still works.
            self.capacity = fcntl.fcntl(self.w, _F_GETPIPE_SZ)

    def close(self) -> None:
        os.close(self.r)
        os.close(self.w)


class PipePool:
    """Reusable empty pipes; a pipe goes back only when empty, otherwise it is discarded.

    Keeps at most ``keep`` spare pipes so a burst of blocked connections does not pin pipe memory
    forever, and :meth:`clear` drops them all when the proxy goes idle or closes.
    """

    __slots__ = ("_free", "_size", "_keep")

    def __init__(self, size: int = DEFAULT_PIPE_SIZE, keep: int = 16) -> None:
        self._free: list[Pipe] = []
        self._size = min(size, _max_pipe_size())
        self._keep = keep

    def acquire(self) -> Pipe:
        """An empty pipe, reused if one is spare."""
        if self._free:
            return self._free.pop()
        return Pipe(self._size)

    def release(self, pipe: Pipe) -> None:
        """Return an *empty* pipe for reuse."""
        if len(self._free) < self._keep:
            self._free.append(pipe)
        else:
            pipe.close()

    def clear(self) -> None:
        """Close every spare pipe (the proxy is idle or closing)."""
        while self._free:
            self._free.pop().close()

    @property
    def spare(self) -> int:
        """How many empty pipes are kept for reuse (tests use it to account for descriptors)."""
        return len(self._free)
