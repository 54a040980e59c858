"""The UDP side of a proxy: one session per client address, each with its own connected socket to
a backend chosen at random, so replies can be told apart and relayed to the right client.

Replies go back out of the listen socket the client wrote to, so the client sees them coming from
the address it sent to. Sessions that stay silent for ``idle_timeout`` seconds are closed by a sweep
that only runs while sessions exist.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
import socket
from typing import Any

from .backend import Backend, Resolver, SockAddr
from .exhaustion import EXHAUSTED, ExhaustionAlarm
from .stats import Counters, ProxyStats

__all__ = ["UdpProxy"]

log = logging.getLogger("pyspire.proxy")

_MAX_DATAGRAM = 65535
# Datagrams handled per readable event, so one chatty socket cannot starve the others.
_BATCH = 64
# Datagrams held for a session whose backend name is still being resolved.
_MAX_QUEUED = 64
# Upper bound on concurrent sessions (each holds a socket); beyond it new clients are dropped.
_MAX_SESSIONS = 4096


class UdpProxy:
    """One UDP listener set (one per address) forwarding datagrams to a replaceable backend set."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        name: str,
        listeners: list[socket.socket],
        *,
        idle_timeout: float,
        alarm: ExhaustionAlarm | None = None,
    ) -> None:
        self.name = name
        self._loop = loop
        self._listeners = listeners
        self._idle_timeout = idle_timeout
        self._backends: tuple[Backend, ...] = ()
        self._resolver = Resolver(loop, socket.SOCK_DGRAM)
        self._sessions: dict[Any, _Session] = {}
        self._counters = Counters()
        self._alarm = alarm or ExhaustionAlarm()
        self._sweeper: asyncio.TimerHandle | None = None
        self._closed = False

    def start(self) -> None:
        """Start receiving on every listen socket."""
        for lsock in self._listeners:
            self._loop.add_reader(lsock.fileno(), self._on_datagram, lsock)

    def close(self) -> None:
        """Stop listening and close every session."""
        if self._closed:
            return
        self._closed = True
        for lsock in self._listeners:
            self._loop.remove_reader(lsock.fileno())
            lsock.close()
        for session in list(self._sessions.values()):
            session.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def set_backends(self, backends: tuple[Backend, ...]) -> None:
        """Replace the backend set; sessions bound to a removed backend are closed so the client's
        next datagram is routed to a backend that still exists."""
        self._backends = backends
        self._resolver.forget(set(backends))
        keep = set(backends)
        for session in list(self._sessions.values()):
            if session.backend not in keep:
                session.close()

    def stats(self) -> ProxyStats:
        """Snapshot of this proxy's counters; a session counts as a connection."""
        return self._counters.snapshot(len(self._sessions), 0)

    def _on_datagram(self, lsock: socket.socket) -> None:
        sessions = self._sessions
        for _ in range(_BATCH):
            try:
                data, client = lsock.recvfrom(_MAX_DATAGRAM)
            except BlockingIOError:
                return
            except OSError as exc:  # e.g. an ICMP error queued on the socket; keep serving others
                log.debug("proxy %s: recvfrom failed: %s", self.name, exc)
                continue
            session = sessions.get(client)
            if session is None:
                session = self._new_session(lsock, client)
                if session is None:
                    continue
            session.send(data)

    def _new_session(self, lsock: socket.socket, client: Any) -> _Session | None:
        if not self._backends or len(self._sessions) >= _MAX_SESSIONS:
            return None  # UDP: dropping is the honest answer when nobody can take it
        backend = random.choice(self._backends)
        session = _Session(self, lsock, client, backend)
        self._sessions[client] = session
        self._counters.total_connections += 1
        if self._sweeper is None:
            self._schedule_sweep()
        addrs = self._resolver.cached(backend)
        if addrs is None:
            task = self._loop.create_task(self._resolver.resolve(backend))
            session.resolving = task
            task.add_done_callback(session.on_resolved)
        else:
            session.connect(addrs)
        return session

    def _schedule_sweep(self) -> None:
        interval = max(self._idle_timeout / 4, 0.01)
        self._sweeper = self._loop.call_later(interval, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        deadline = self._loop.time() - self._idle_timeout
        for session in [s for s in self._sessions.values() if s.last_active < deadline]:
            session.close()
        if self._sessions and not self._closed:
            self._schedule_sweep()

    def _session_closed(self, session: _Session) -> None:
        if self._sessions.get(session.client) is session:
            del self._sessions[session.client]


class _Session:
    """One client address talking to one backend through a connected socket."""

    __slots__ = (
        "_proxy",
        "_lsock",
        "client",
        "backend",
        "_sock",
        "_addr",
        "_queue",
        "resolving",
        "last_active",
        "_closed",
    )

    def __init__(self, proxy: UdpProxy, lsock: socket.socket, client: Any, backend: Backend) -> None:
        self._proxy = proxy
        self._lsock = lsock
        self.client = client
        self.backend = backend
        self._sock: socket.socket | None = None
        self._addr: SockAddr | None = None
        self._queue: list[bytes] = []
        self.resolving: asyncio.Task[list[SockAddr]] | None = None
        self.last_active = proxy._loop.time()
        self._closed = False

    def on_resolved(self, task: asyncio.Task[list[SockAddr]]) -> None:
        """The backend's name resolved (or failed to): connect, or give up on this session."""
        self.resolving = None
        if task.cancelled() or self._closed:
            return
        self.connect(task.result())

    def connect(self, addrs: list[SockAddr]) -> None:
        """Open the backend socket on the first address that accepts a connected UDP socket."""
        proxy = self._proxy
        for addr in addrs:
            family, sockaddr = addr
            try:
                sock = socket.socket(family, socket.SOCK_DGRAM)
            except OSError as exc:
                # Out of descriptors: drop this datagram (UDP's answer to overload); the client's
                # next one tries again.
                if exc.errno in EXHAUSTED:
                    proxy._alarm.failed(proxy.name, "open a UDP session", exc)
                    break
                continue
            proxy._alarm.recovered()
            try:
                sock.setblocking(False)
                sock.connect(sockaddr)
            except OSError:
                sock.close()
                continue
            self._sock = sock
            self._addr = addr
            proxy._loop.add_reader(sock.fileno(), self._on_reply)
            queued, self._queue = self._queue, []
            for data in queued:
                self.send(data)
            return
        log.debug("proxy %s: backend %s unreachable", proxy.name, self.backend)
        self.close()

    def send(self, data: bytes) -> None:
        """Forward one client datagram to the backend (dropped if the socket is full)."""
        self.last_active = self._proxy._loop.time()
        sock = self._sock
        if sock is None:
            if len(self._queue) < _MAX_QUEUED:
                self._queue.append(data)
            return
        try:
            sock.send(data)
        except BlockingIOError:
            return
        except OSError as exc:
            self._failed(exc)
            return
        self._proxy._counters.bytes_forwarded += len(data)

    def _on_reply(self) -> None:
        sock = self._sock
        assert sock is not None
        lsock = self._lsock
        counters = self._proxy._counters
        for _ in range(_BATCH):
            try:
                data = sock.recv(_MAX_DATAGRAM)
            except BlockingIOError:
                break
            except OSError as exc:
                self._failed(exc)
                return
            try:
                lsock.sendto(data, self.client)
            except OSError:
                continue  # full or the client vanished: UDP drops
            counters.bytes_forwarded += len(data)
        self.last_active = self._proxy._loop.time()

    def _failed(self, exc: OSError) -> None:
        # ECONNREFUSED here is the ICMP "port unreachable" of an earlier datagram: this backend
        # (address) is not listening. Close the session; the client's next datagram picks anew.
        if exc.errno == errno.ECONNREFUSED and self._addr is not None:
            self._proxy._resolver.failed(self.backend, self._addr)
        log.debug("proxy %s: session %s -> %s failed: %s", self._proxy.name, self.client, self.backend, exc)
        self.close()

    def close(self) -> None:
        """Release the backend socket and forget the session."""
        if self._closed:
            return
        self._closed = True
        if self.resolving is not None:
            self.resolving.cancel()
            self.resolving = None
        sock = self._sock
        if sock is not None:
            self._sock = None
            self._proxy._loop.remove_reader(sock.fileno())
            sock.close()
        self._proxy._session_closed(self)
