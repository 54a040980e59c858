"""Where a TCP proxy holds clients while its service has no backends (stopped, restarting).

A parked client keeps a slot until a backend appears, it leaves, or it has waited ``max_wait``
seconds. Noticing that it left must not depend on it being silent: most clients speak first (a
redis client sends its command at once), and a watch that stops at the first byte would never see
such a client hang up, so its slot would stay taken until the service came back. Watching for
readability instead would fire forever on the unread bytes. So hang-ups are watched with an epoll
set of its own that asks only for ``EPOLLRDHUP`` (the peer closed or shut down its sending side)
plus the ``EPOLLHUP``/``EPOLLERR`` every epoll reports: bytes a client sends wake nobody, and its
FIN or RST does. That epoll descriptor sits in the proxy loop like any other socket.

A client that half-closes (sends its request, shuts down writing, waits for the reply) cannot be
told apart from one that closed: while parked, both count as gone.
"""

from __future__ import annotations

import asyncio
import logging
import select
import socket

__all__ = ["ParkingLot"]

log = logging.getLogger("pyspire.proxy")

_EPOLLRDHUP: int = getattr(select, "EPOLLRDHUP", 0)


class ParkingLot:
    """At most ``capacity`` clients, oldest first, each held at most ``max_wait`` seconds.

    Clients park in arrival order and all wait the same time, so the oldest always expires
    first: one timer, armed for the oldest client, covers them all.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, capacity: int, max_wait: float) -> None:
        self._loop = loop
        self._name = name
        self._capacity = capacity
        self._max_wait = max_wait
        # fd -> (client, deadline, whether its hang-up is watched), oldest first
        self._clients: dict[int, tuple[socket.socket, float, bool]] = {}
        self._hangups: select.epoll | None = None
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._clients)

    def park(self, client: socket.socket) -> bool:
        """Hold ``client``; False when the lot is full (the caller turns the client away)."""
        if len(self._clients) >= self._capacity:
            return False
        fd = client.fileno()
        self._clients[fd] = (client, self._loop.time() + self._max_wait, self._watch(fd))
        if self._timer is None:
            self._arm()
        return True

    def leave(self) -> socket.socket | None:
        """The client that has waited longest, no longer watched (None when the lot is empty)."""
        if not self._clients:
            return None
        fd = next(iter(self._clients))
        return self._release(fd)

    def close(self) -> None:
        """Close every parked client and the hang-up watch."""
        while (client := self.leave()) is not None:
            client.close()
        if self._hangups is not None:
            self._loop.remove_reader(self._hangups.fileno())
            self._hangups.close()
            self._hangups = None

    # -- hang-ups -------------------------------------------------------------------------------

    def _watch(self, fd: int) -> bool:
        """Watch ``fd`` for a hang-up. Without epoll here, or without a descriptor for it (the
        process is at its limit), the client is not watched: its wait running out frees it."""
        if not _EPOLLRDHUP:
            return False
        try:
            if self._hangups is None:
                self._hangups = select.epoll()
                self._loop.add_reader(self._hangups.fileno(), self._on_hangups)
            self._hangups.register(fd, _EPOLLRDHUP)
        except OSError:
            return False
        return True

    def _on_hangups(self) -> None:
        assert self._hangups is not None
        for fd, _events in self._hangups.poll(0):
            if fd in self._clients:
                self._release(fd).close()

    # -- waiting time ---------------------------------------------------------------------------

    def _arm(self) -> None:
        if self._clients:
            _client, deadline, _watched = next(iter(self._clients.values()))
            self._timer = self._loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        self._timer = None
        now = self._loop.time()
        for fd, (_client, deadline, _watched) in list(self._clients.items()):
            if deadline > now:
                break
            log.debug("proxy %s: closing a client parked for %.0f s", self._name, self._max_wait)
            self._release(fd).close()
        self._arm()

    def _release(self, fd: int) -> socket.socket:
        client, _deadline, watched = self._clients.pop(fd)
        if watched and self._hangups is not None:
            self._hangups.unregister(fd)
        if not self._clients and self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return client
