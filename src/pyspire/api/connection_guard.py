"""Keeping the control API from being a way to take the app host down without a token.

The API's TCP port is open to every local user, and a connection costs the app host a descriptor
before any token is seen. Left alone, a client that opens thousands of connections and sends
nothing holds them forever (uvicorn's keep-alive timeout starts only after a response) until the
app host runs out of descriptors, and then the proxies, the processes' pipes and the controllers
fail too. So, for the three listeners of one app host together:

- **a deadline**: a connection must send a complete request within :data:`IDLE_TIMEOUT_SECONDS`
  of connecting (or of its previous response), trickling bytes does not extend it, and a TLS
  handshake counts against it too;
- **a cap**: at most ``max_idle`` connections without a request in progress are kept; beyond it
  the oldest is closed. A real client sends its request the moment it connects, so it is never
  the oldest; a flood only evicts itself;
- **headroom**: a connection whose descriptor number reaches the budget's ceiling is closed the
  moment it is accepted (see :mod:`pyspire.runtime.limits`), leaving the rest to the others;
- **one line per episode**: running out (of headroom, or of descriptors altogether — asyncio
  reports each failed ``accept()`` with a traceback) is logged when it starts and when it ends.

A connection whose request is being served — past the token check, so a client with the token:
a watch, ``logs -f``, ``kubectl get -w`` — is never timed out or evicted, however long it lasts.
An unauthenticated request is answered 401 at once, and its connection is idle again.

Connections are tracked from ``accept()`` (:class:`GuardedListener`), so a TLS connection is
covered while it is still in its handshake, before uvicorn's protocol sees it; from then on the
protocol (:mod:`pyspire.api.guarded_protocol`) says when a request starts and when it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyspire.runtime.limits import DescriptorBudget, descriptor_budget

IDLE_TIMEOUT_SECONDS = 10.0
#: At most this many refused connections per ``accept()`` call, so that the loop runs meanwhile.
_REFUSALS_PER_ACCEPT = 64
#: At most this many connections admitted per listener per loop turn. asyncio would take the
#: whole backlog at once; the connections they evict need a turn or two to close, and a flood
#: would outrun them. A real client needs one.
_ADMITTED_PER_TURN = 16
#: What asyncio's event loop reports when ``accept()`` fails with EMFILE / ENFILE / ENOBUFS.
_ACCEPT_EXHAUSTED = "socket.accept() out of system resource"
_EXHAUSTED_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
#: asyncio pauses a listener 1 s after a failed accept(); a failure sooner is the same turn's.
_SAME_TURN_SECONDS = 0.5

log = logging.getLogger("pyspire.api")


class Episode:
    """A condition said once when it begins and once when it ends, however often it recurs."""

    def __init__(self, begins: str, ends: str) -> None:
        self._begins = begins
        self._ends = ends
        self.active = False
        self.count = 0

    def begin(self, *args: object) -> None:
        self.count += 1
        if not self.active:
            self.active = True
            log.warning(self._begins, *args)

    def end(self) -> None:
        if self.active:
            self.active = False
            log.warning(self._ends, self.count)
            self.count = 0


@dataclass(eq=False)
class _Idle:
    """A connection without a request in progress: who holds it, and how to close it."""

    owner: object
    close: Callable[[], None]
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


def _shut(conn: socket.socket) -> None:
    """End a connection asyncio owns without closing its descriptor under it: both directions
    shut, its transport sees EOF and closes (a TLS handshake in progress fails quietly)."""
    with contextlib.suppress(OSError):  # already closed by its transport
        conn.shutdown(socket.SHUT_RDWR)


class ConnectionGuard:
    """The deadline, the cap and the headroom above, shared by an app host's API listeners."""

    def __init__(
        self,
        budget: DescriptorBudget | None = None,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        max_idle: int | None = None,
    ) -> None:
        self.budget = budget or descriptor_budget()
        self.idle_timeout = idle_timeout
        self.max_idle = max_idle if max_idle is not None else self.budget.max_idle
        #: By descriptor number, oldest first.
        self._idle: OrderedDict[int, _Idle] = OrderedDict()
        self.refusing = Episode(
            "the control API refuses new connections: the app host uses descriptor %d of its limit "
            "of %d and keeps the last %d for proxies, processes and controllers",
            "the control API accepts connections again (%d refused meanwhile)",
        )
        self.exhausted = Episode(
            "the app host is out of file descriptors (%s): the control API cannot accept connections "
            "until some close; `ulimit -n` raises the limit",
            "the control API accepts connections again (%d failed accepts meanwhile)",
        )
        self.evicting = Episode(
            "more than %d connections to the control API sent no request: closing the oldest ones "
            "(a client that connects and sends nothing)",
            "connections to the control API that send no request are below the cap again (%d closed)",
        )

    # -- from the listener ---------------------------------------------------------------------

    def admit(self, conn: socket.socket) -> bool:
        """A connection was just accepted: keep it (tracked as idle) or say no (the caller
        closes it)."""
        self.exhausted.end()
        fd = conn.fileno()
        if fd >= self.budget.ceiling:
            self.refusing.begin(fd, self.budget.limit, self.budget.reserve)
            return False
        self.refusing.end()
        self._track(fd, _Idle(conn, lambda: _shut(conn)))
        return True

    def out_of_descriptors(self, error: BaseException | None) -> None:
        self.exhausted.begin(error.strerror if isinstance(error, OSError) else error)

    # -- from the protocol ---------------------------------------------------------------------

    def connected(self, fd: int, owner: object, close: Callable[[], None]) -> bool:
        """The protocol took over the connection accepted on ``fd`` (the deadline keeps
        running). False: it was closed meanwhile (evicted or timed out)."""
        entry = self._idle.get(fd)
        if entry is None:
            return False
        entry.owner, entry.close = owner, close
        return True

    def busy(self, fd: int, owner: object) -> None:
        """A request is being served: no deadline, no eviction, until :meth:`idle`."""
        entry = self._idle.get(fd)
        if entry is not None and entry.owner is owner:
            self._forget(fd, entry)

    def idle(self, fd: int, owner: object, close: Callable[[], None]) -> None:
        """The response is sent: the connection waits for another request, deadline anew."""
        self.busy(fd, owner)
        self._track(fd, _Idle(owner, close))

    def closed(self, fd: int, owner: object) -> None:
        self.busy(fd, owner)

    # -- inside ---------------------------------------------------------------------------------

    def _track(self, fd: int, entry: _Idle) -> None:
        stale = self._idle.pop(fd, None)  # the number was reused: its old connection is gone
        if stale is not None and stale.timer is not None:
            stale.timer.cancel()
        entry.timer = asyncio.get_running_loop().call_later(self.idle_timeout, self._expire, fd, entry)
        self._idle[fd] = entry
        while len(self._idle) > self.max_idle:
            oldest_fd, oldest = next(iter(self._idle.items()))
            self.evicting.begin(self.max_idle)
            self._forget(oldest_fd, oldest)
            oldest.close()

    def _forget(self, fd: int, entry: _Idle) -> None:
        del self._idle[fd]
        if entry.timer is not None:
            entry.timer.cancel()
        if self.evicting.active and len(self._idle) <= self.max_idle // 2:
            self.evicting.end()

    def _expire(self, fd: int, entry: _Idle) -> None:
        if self._idle.get(fd) is entry:
            self._forget(fd, entry)
            entry.close()

    @contextlib.contextmanager
    def reporting_exhaustion(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """While inside: asyncio's report of a failed ``accept()`` (one traceback per try, for
        as long as descriptors are short) becomes :attr:`exhausted`; everything else goes where
        it went before."""
        previous = loop.get_exception_handler()

        def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if context.get("message") == _ACCEPT_EXHAUSTED:
                self.out_of_descriptors(context.get("exception"))
            elif previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(handler)
        try:
            yield
        finally:
            if loop.get_exception_handler() is handler:
                loop.set_exception_handler(previous)


class GuardedListener(socket.socket):
    """A listening socket whose ``accept()`` (which asyncio's server calls) hands over only the
    connections the guard admits, and closes the others before asyncio ever sees them.

    Out of descriptors, asyncio's accept loop does not stop at the first failure: it tries up to
    100 times per wake-up, reporting (and scheduling a retry for) every one. Only the first
    failure of a turn is passed on here; the rest end the turn, so it is one failed accept per
    listener per second while the shortage lasts."""

    def __init__(self, guard: ConnectionGuard, family: int, kind: int, proto: int = 0) -> None:
        super().__init__(family, kind, proto)
        self.guard = guard
        self._failed_at = -1.0
        self._admitted = 0  # this loop turn

    def _next_turn(self) -> None:
        self._admitted = 0

    def accept(self) -> tuple[socket.socket, Any]:
        if self._admitted >= _ADMITTED_PER_TURN:
            raise BlockingIOError  # the rest of the backlog waits for the next turn
        for _ in range(_REFUSALS_PER_ACCEPT):
            try:
                conn, address = super().accept()
            except OSError as exc:
                if exc.errno not in _EXHAUSTED_ERRNOS:
                    raise
                now = time.monotonic()
                if now - self._failed_at < _SAME_TURN_SECONDS:
                    raise BlockingIOError from None  # asyncio has paused this listener already
                self._failed_at = now
                raise  # asyncio pauses the listener for 1 s and reports it (to the guard)
            if self.guard.admit(conn):
                if self._admitted == 0:  # runs before the next turn's accept
                    asyncio.get_running_loop().call_soon(self._next_turn)
                self._admitted += 1
                return conn, address
            conn.close()
        raise BlockingIOError  # asyncio stops for this turn; the backlog is read on the next
