"""The TCP side of a proxy: accept clients, park them while there are no backends, dial a backend,
then splice bytes both ways until both directions finish.

Everything runs as plain callbacks on the proxy thread's event loop (no task per connection), so a
connection costs a few small objects and the hot path is one callback per readable socket.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
import socket
import struct

from .backend import Backend, Resolver, SockAddr
from .exhaustion import EXHAUSTED, ExhaustionAlarm
from .parking import ParkingLot
from .pump import BufferPool, CopyPump, Pump, SplicePump
from .splice import PipePool, splice_available
from .stats import Counters, ProxyStats

__all__ = ["TcpProxy"]

log = logging.getLogger("pyspire.proxy")

# Accept at most this many clients per readable event, so one busy listener cannot starve others.
_ACCEPT_BATCH = 64
# Out of descriptors, the listener stays readable; pause accepting instead of spinning.
_ACCEPT_PAUSE = 0.1
_LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST


def _tune(sock: socket.socket) -> None:
    """Non-blocking and TCP_NODELAY: forwarded small writes must not wait for Nagle."""
    sock.setblocking(False)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


def _close(sock: socket.socket, reset: bool = False) -> None:
    if reset:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        except OSError:
            pass
    sock.close()


class TcpProxy:
    """One TCP listener set (one per address) forwarding to a replaceable set of backends."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        name: str,
        listeners: list[socket.socket],
        *,
        dial_timeout: float,
        max_parked: int,
        park_timeout: float,
        use_splice: bool | None = None,
        alarm: ExhaustionAlarm | None = None,
    ) -> None:
        self.name = name
        self._loop = loop
        self._listeners = listeners
        self._dial_timeout = dial_timeout
        self._backends: tuple[Backend, ...] = ()
        self._resolver = Resolver(loop, socket.SOCK_STREAM)
        self._parked = ParkingLot(loop, name, max_parked, park_timeout)
        self._dials: set[_Dial] = set()
        self._conns: set[_Connection] = set()
        self._counters = Counters()
        self._alarm = alarm or ExhaustionAlarm()
        self._closed = False
        if use_splice is None:
            use_splice = splice_available()
        self._pipes: PipePool | None = PipePool() if use_splice else None
        self._buffers: BufferPool | None = None if use_splice else BufferPool()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start accepting on every listen socket."""
        for lsock in self._listeners:
            self._loop.add_reader(lsock.fileno(), self._on_accept, lsock)

    def close(self) -> None:
        """Stop listening and close parked, dialling and established connections."""
        if self._closed:
            return
        self._closed = True
        for lsock in self._listeners:
            self._loop.remove_reader(lsock.fileno())
            lsock.close()
        self._parked.close()
        for dial in list(self._dials):
            dial.cancel()
        for conn in list(self._conns):
            conn.close()
        self._release_pools()

    def set_backends(self, backends: tuple[Backend, ...]) -> None:
        """Replace the backend set; parked clients are dialled at once.

        Established connections stay where they are: a backend that is really gone resets them.
        """
        self._backends = backends
        self._resolver.forget(set(backends))
        if self._closed:
            return
        while backends and (client := self._parked.leave()) is not None:
            self._dial(client)

    def stats(self) -> ProxyStats:
        """Snapshot of this proxy's counters (safe to call from any thread)."""
        return self._counters.snapshot(len(self._dials) + len(self._conns), len(self._parked))

    # -- accepting and parking ------------------------------------------------------------------

    def _on_accept(self, lsock: socket.socket) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                client, _addr = lsock.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in EXHAUSTED:  # the connection stays in the listen queue meanwhile
                    self._alarm.failed(self.name, "accept a connection", exc)
                    self._pause_accept(lsock)
                return  # ECONNABORTED and friends: the client is already gone
            self._alarm.recovered()
            self._counters.total_connections += 1
            _tune(client)
            if self._backends:
                self._dial(client)
            else:
                self._park(client)

    def _pause_accept(self, lsock: socket.socket) -> None:
        fd = lsock.fileno()
        self._loop.remove_reader(fd)

        def resume() -> None:
            if not self._closed:
                self._loop.add_reader(fd, self._on_accept, lsock)

        self._loop.call_later(_ACCEPT_PAUSE, resume)

    def _park(self, client: socket.socket) -> None:
        if not self._parked.park(client):
            client.close()

    # -- dialling -------------------------------------------------------------------------------

    def _dial(self, client: socket.socket) -> None:
        candidates = list(self._backends)
        random.shuffle(candidates)
        dial = _Dial(self, client, candidates)
        self._dials.add(dial)
        dial.next()

    def _dial_failed(self, dial: _Dial) -> None:
        self._dials.discard(dial)
        log.debug("proxy %s: no backend reachable; closing client", self.name)
        dial.client.close()
        self._maybe_idle()

    def _dial_succeeded(self, dial: _Dial, backend: socket.socket) -> None:
        self._dials.discard(dial)
        pump_up: Pump
        pump_down: Pump
        conn = _Connection(self, dial.client, backend)
        if self._pipes is not None:
            pump_up = SplicePump(self._loop, conn, dial.client, backend, self._counters, self._pipes)
            pump_down = SplicePump(self._loop, conn, backend, dial.client, self._counters, self._pipes)
        else:
            assert self._buffers is not None
            pump_up = CopyPump(self._loop, conn, dial.client, backend, self._counters, self._buffers)
            pump_down = CopyPump(self._loop, conn, backend, dial.client, self._counters, self._buffers)
        conn.pumps = (pump_up, pump_down)
        self._conns.add(conn)
        pump_up.start()
        pump_down.start()

    def _connection_closed(self, conn: _Connection) -> None:
        self._conns.discard(conn)
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._conns and not self._dials:
            # Nothing in flight: give spare pipes back to the kernel.
            self._release_pools()

    def _release_pools(self) -> None:
        if self._pipes is not None:
            self._pipes.clear()
        if self._buffers is not None:
            self._buffers.clear()


class _Dial:
    """Connects one client to the first backend that answers, trying them in random order.

    Each address gets ``dial_timeout`` seconds; a refused or timed-out dial moves on to the next
    address, then the next backend; when none is left the client is closed.
    """

    __slots__ = ("_proxy", "client", "_candidates", "_backend", "_addrs", "_addr", "_sock", "_timer", "_task")

    def __init__(self, proxy: TcpProxy, client: socket.socket, candidates: list[Backend]) -> None:
        self._proxy = proxy
        self.client = client
        self._candidates = candidates
        self._backend: Backend | None = None
        self._addrs: list[SockAddr] = []
        self._addr: SockAddr | None = None
        self._sock: socket.socket | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[list[SockAddr]] | None = None

    def next(self) -> None:
        """Try the next address, resolving the next backend's name when needed."""
        proxy = self._proxy
        while not self._addrs:
            if not self._candidates:
                proxy._dial_failed(self)
                return
            self._backend = backend = self._candidates.pop()
            addrs = proxy._resolver.cached(backend)
            if addrs is None:
                self._task = proxy._loop.create_task(proxy._resolver.resolve(backend))
                self._task.add_done_callback(self._on_resolved)
                return
            self._addrs = addrs
        self._addr = family_addr = self._addrs.pop(0)
        family, sockaddr = family_addr
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:
            if exc.errno in EXHAUSTED:
                proxy._alarm.failed(proxy.name, "dial a backend", exc)
            else:
                log.debug("proxy %s: cannot create socket: %s", proxy.name, exc)
            self.next()
            return
        proxy._alarm.recovered()
        _tune(sock)
        err = sock.connect_ex(sockaddr)
        if err == 0:
            self._connected(sock)
        elif err in (errno.EINPROGRESS, errno.EAGAIN):
            self._sock = sock
            proxy._loop.add_writer(sock.fileno(), self._on_writable)
            self._timer = proxy._loop.call_later(proxy._dial_timeout, self._on_timeout)
        else:
            sock.close()
            self.next()

    def _on_resolved(self, task: asyncio.Task[list[SockAddr]]) -> None:
        self._task = None
        if task.cancelled():
            return
        self._addrs = task.result()
        self.next()

    def _on_writable(self) -> None:
        sock = self._sock
        assert sock is not None
        self._unwatch()
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err == 0:
            self._connected(sock)
        else:
            sock.close()
            self.next()

    def _on_timeout(self) -> None:
        self._timer = None
        sock = self._sock
        if sock is not None:
            self._unwatch()
            sock.close()
        self.next()

    def _unwatch(self) -> None:
        sock = self._sock
        self._sock = None
        if sock is not None:
            self._proxy._loop.remove_writer(sock.fileno())
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _connected(self, sock: socket.socket) -> None:
        if self._backend is not None and self._addr is not None:
            self._proxy._resolver.worked(self._backend, self._addr)
        self._proxy._dial_succeeded(self, sock)

    def cancel(self) -> None:
        """The proxy is closing: abandon the dial and close the client."""
        sock = self._sock
        self._unwatch()
        if sock is not None:
            sock.close()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._proxy._dials.discard(self)
        self.client.close()


class _Connection:
    """A client and its backend with one pump per direction."""

    __slots__ = ("_proxy", "_client", "_backend", "pumps", "_closed")

    def __init__(self, proxy: TcpProxy, client: socket.socket, backend: socket.socket) -> None:
        self._proxy = proxy
        self._client = client
        self._backend = backend
        self.pumps: tuple[Pump, ...] = ()
        self._closed = False

    def pump_done(self) -> None:
        """Both directions forwarded their EOF: the conversation is over."""
        if all(p.done for p in self.pumps):
            self.close()

    def starved(self, exc: OSError) -> None:
        """A pump could not get a splice pipe (out of descriptors); it retries by itself."""
        self._proxy._alarm.failed(self._proxy.name, "get a pipe to forward data", exc)

    def fed(self) -> None:
        """A pump that was starved got its pipe."""
        self._proxy._alarm.recovered()

    def abort(self, exc: OSError | None) -> None:
        """A socket failed (reset, broken pipe): reset both sides so neither waits for the other."""
        if exc is not None:
            log.debug("proxy %s: connection aborted: %s", self._proxy.name, exc)
        self.close(reset=True)

    def close(self, reset: bool = False) -> None:
        """Unregister both pumps, then close both sockets (in that order: no stale selector keys)."""
        if self._closed:
            return
        self._closed = True
        for pump in self.pumps:
            pump.stop()
        _close(self._client, reset)
        _close(self._backend, reset)
        self._proxy._connection_closed(self)
