"""The host listener of a service endpoint: accept, hold while no pod is ready, pipe bytes both ways.

While no pod is ready, connections wait in the proxy's own :class:`~pyspire.extensions.ParkingLot`
(bounded, oldest first, freed when the client hangs up or waits too long) — the guarantee every
pyspire endpoint gives. The upstream (a port-forward stream to the pod) is opened by a function
handed in, so the listener's guarantees — a connection refused past the cap, every connection
task and socket closed on stop — hold whatever carries the bytes, and are tested with real sockets.
A stream that cannot be opened (the pod was just deleted) is said in the log, the resolver is told,
and the connection waits for the next ready pod instead of failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import weakref
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from pyspire.extensions import ParkingLot, bind_listeners
from pyspire.integrations.k3s.pod_stream import PodPort, PortForwardError

#: How often one connection may find its pod gone before it is closed.
OPEN_ATTEMPTS = 3
#: After the client stopped sending, how long the pod may stay silent before the stream ends.
#: A v4 port-forward stream cannot pass a half-close on (a tunnel's SPDY stream could, but kwok
#: does not half-close its connection to the pod on one), and a client that closed looks the same
#: as one that half-closed; what the pod is still sending gets through, and an idle stream does
#: not hold its stream (or API connection) for long.
DRAIN_IDLE = 0.25
READ_SIZE = 256 * 1024


class Upstream(Protocol):
    """A byte stream to one pod port."""

    async def read(self) -> bytes:
        """The next bytes from the pod; b"" once it closed."""
        ...

    async def write(self, data: bytes) -> None:
        """Send bytes to the pod."""
        ...


OpenUpstream = Callable[[PodPort], AbstractAsyncContextManager[Upstream]]


class Forwarder:
    """Listens on a host port and forwards each connection to the current target's stream."""

    def __init__(
        self,
        name: str,
        open_upstream: OpenUpstream,
        log: Callable[[str], None],
        *,
        max_parked: int,
        max_wait: float,
        pod_gone: Callable[[PodPort], None] = lambda _target: None,
    ) -> None:
        self._name = name
        self._open = open_upstream
        self._log = log
        self._max_parked = max_parked
        self._max_wait = max_wait
        self._pod_gone = pod_gone
        self._target: PodPort | None = None
        self._listeners: list[socket.socket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lot: ParkingLot | None = None
        #: Failed opens per connection being retried (weak: a parked one closed by the lot goes).
        self._attempts: weakref.WeakKeyDictionary[socket.socket, int] = weakref.WeakKeyDictionary()
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def open_connections(self) -> int:
        """Connections being served now (not counting parked ones)."""
        return len(self._connections)

    @property
    def parked(self) -> int:
        """Connections waiting for a ready pod now."""
        return len(self._lot) if self._lot is not None else 0

    @property
    def target(self) -> PodPort | None:
        return self._target

    def publish(self, target: PodPort | None) -> None:
        """The resolver's answer: new connections go to ``target``; parked ones leave for it now."""
        self._target = target
        if target is not None and self._lot is not None:
            while (client := self._lot.leave()) is not None:
                self._serve(client)

    async def start(self, host: str | Sequence[str], port: int) -> int:
        """Listen on ``host`` (or on each of several: loopback and the container network's
        gateways), the same port on each; returns the bound port (useful when ``port`` is 0: the
        first address's port is used for the others)."""
        self._loop = asyncio.get_running_loop()
        self._lot = ParkingLot(self._loop, self._name, self._max_parked, self._max_wait)
        addresses = [host] if isinstance(host, str) else list(host)
        # The proxy's own listeners: a gateway address (not loopback) is bound before the
        # network's bridge has it (IP_FREEBIND), the first address's port reused for the rest.
        freebind = {a for a in addresses if a != "127.0.0.1"}
        self._listeners = bind_listeners(
            addresses[0], [(socket.AF_INET, a) for a in addresses], socket.SOCK_STREAM, port, freebind
        )
        for listener in self._listeners:
            self._loop.add_reader(listener.fileno(), self._on_accept, listener)
        return int(self._listeners[0].getsockname()[1])

    def _close_listeners(self) -> None:
        for listener in self._listeners:
            if self._loop is not None:
                self._loop.remove_reader(listener.fileno())
            listener.close()
        self._listeners = []

    async def stop(self) -> None:
        """Stop listening and end every connection; nothing is left running after it returns."""
        self._close_listeners()
        if self._lot is not None:
            self._lot.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- accepting and parking ------------------------------------------------------------------

    def _on_accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors: the backlog keeps the client for later
                self._log(f"cannot accept a connection: {exc}")
                return
            client.setblocking(False)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._target is not None:
                self._serve(client)
            else:
                self._park(client)

    def _park(self, client: socket.socket) -> None:
        assert self._lot is not None
        if not self._lot.park(client):
            self._log(f"no ready pod and {self._max_parked} connections already waiting: refusing one")
            self._attempts.pop(client, None)
            client.close()

    def _serve(self, client: socket.socket) -> None:
        if client.fileno() < 0:  # closed while parked (it hung up or waited too long)
            self._attempts.pop(client, None)
            return
        task = asyncio.get_running_loop().create_task(self._connection(client))
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)

    # -- one connection ----------------------------------------------------------------------------

    async def _connection(self, client: socket.socket) -> None:
        target = self._target
        if target is None:
            self._park(client)
            return
        opened = handed_on = False
        try:
            async with self._open(target) as upstream:
                opened = True
                await self._pipe(client, upstream)
        except PortForwardError as exc:
            if opened:
                self._log(f"connection to {target} ended: {exc}")
            else:
                self._log(f"cannot open a stream to {target}: {exc}")
                handed_on = self._retry(client, target)
        except OSError:
            pass  # the client went away
        except Exception as exc:  # noqa: BLE001 - a connection task must not end unreported
            self._log(f"connection to {target} failed: {exc!r}")
        finally:
            if not handed_on:
                self._attempts.pop(client, None)
                client.close()

    def _retry(self, client: socket.socket, target: PodPort) -> bool:
        """The stream could not be opened: forget that pod and let the connection wait again.
        False when the connection has had its attempts (the caller closes it)."""
        attempts = self._attempts.get(client, 0) + 1
        if self._target == target:
            self._target = None
        self._pod_gone(target)
        if attempts >= OPEN_ATTEMPTS:
            self._log(f"closing a connection after {attempts} failed attempts to open a stream")
            return False
        self._attempts[client] = attempts
        if self._target is not None:
            self._serve(client)
        else:
            self._park(client)
        return True

    async def _pipe(self, client: socket.socket, upstream: Upstream) -> None:
        reader, writer = await asyncio.open_connection(sock=client)
        client_done = asyncio.Event()
        to_pod = asyncio.create_task(self._client_to_pod(reader, upstream, client_done))
        try:
            while True:
                if client_done.is_set():
                    try:
                        async with asyncio.timeout(DRAIN_IDLE):
                            data = await upstream.read()
                    except TimeoutError:
                        break
                else:
                    data = await upstream.read()
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        finally:
            to_pod.cancel()
            await asyncio.gather(to_pod, return_exceptions=True)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _client_to_pod(reader: asyncio.StreamReader, upstream: Upstream, done: asyncio.Event) -> None:
        try:
            while data := await reader.read(READ_SIZE):
                await upstream.write(data)
        finally:
            done.set()
