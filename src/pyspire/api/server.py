"""The control API's HTTP server: uvicorn, inside the app host's own event loop.

The sockets are bound here before serving, so the port (random unless configured) is known the
moment :meth:`ApiServer.start` returns and can go straight into the run file. uvicorn normally
takes over SIGINT/SIGTERM; the app host owns those (first Ctrl+C stops gracefully, the second
kills), so :class:`_Embedded` leaves them alone. Streams (watches, followed logs) end on their own
when the app host stops, so shutdown does not hang on a client that never disconnects.

The same class serves HTTPS when given a certificate (the listener Kubernetes clients use, see
:mod:`pyspire.api.tls`); :meth:`ApiServer.bind` can then run before the certificate exists, so
its URL is known at once while the certificate is still being made.

Every listener is a :class:`~pyspire.api.connection_guard.GuardedListener` and speaks uvicorn's
h11 protocol with the guard's hooks: connections that send no request are timed out and capped,
and the API stops accepting before the app host's descriptors run out. An app host's listeners
share one guard (pass it in); a server made without one gets its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from pyspire.api.connection_guard import ConnectionGuard, GuardedListener
from pyspire.api.guarded_protocol import guarded_protocol
from pyspire.errors import ConfigurationError
from pyspire.runtime.ports import reachable_listener

#: Longest path a Unix socket address can hold on Linux (``sun_path`` is 108 bytes with the NUL).
MAX_SOCKET_PATH = 107
SHUTDOWN_GRACE_SECONDS = 2.0
#: TLS 1.2 suites with forward secrecy (TLS 1.3, which Go clients prefer, is not affected).
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


class ApiBindError(ConfigurationError, OSError):
    """The configured host/port cannot be listened on: choose another ``PYSPIRE_API_PORT``.

    Still an ``OSError`` (``errno`` says why); ``str()`` is the message alone, without the
    ``[Errno N]`` prefix, since the message already says why."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


class _Embedded(uvicorn.Server):
    """uvicorn without its signal handlers: the app host decides what a signal means.

    It also stops at once when asked (:meth:`exit`): uvicorn notices ``should_exit`` only on its
    0.1 s tick and then sleeps another 0.1 s for connections to wind down, even when there are
    none — most of the time an app host of 100 resources takes to stop after its processes."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def exit(self) -> None:
        """Stop serving now (uvicorn's own ``should_exit``, without waiting for its next tick)."""
        self.should_exit = True
        self._exit_requested.set()

    async def main_loop(self) -> None:
        """uvicorn's loop (a tick every 0.1 s keeps the Date header current), woken by :meth:`exit`."""
        exit_requested = asyncio.ensure_future(self._exit_requested.wait())
        try:
            counter = 0
            while not await self.on_tick(counter):
                counter = (counter + 1) % 864000
                await asyncio.wait({exit_requested}, timeout=0.1)
        finally:
            exit_requested.cancel()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown when a client is still connected; without one, just stop
        listening (its fixed 0.1 s pause is for connections to finish their responses)."""
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


def _tcp_socket(host: str, port: int, guard: ConnectionGuard) -> socket.socket:
    """The API's listening socket; a random port (``port=0``) that this machine refuses to
    connect to (a firewall rule) is passed over, or no client could ever reach the app host."""
    if port != 0:
        return _listen(host, port, guard)
    return reachable_listener(lambda: _listen(host, 0, guard))


def _listen(host: str, port: int, guard: ConnectionGuard) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it a response sent as headers + body stalls ~40 ms on Nagle and delayed ACKs.
    sock = GuardedListener(guard, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ApiBindError(
            exc.errno, f"the control API cannot listen on {host}:{port} ({exc.strerror}); "
            "choose another PYSPIRE_API_PORT or leave it unset for a random port"
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _unix_socket(path: Path, guard: ConnectionGuard) -> socket.socket | None:
    """A socket at ``path`` readable only by the user, or None when the path is too long."""
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        return None
    path.unlink(missing_ok=True)
    sock = GuardedListener(guard, socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        sock.bind(os.fspath(path))
    finally:
        os.umask(old_mask)
    sock.listen(128)
    sock.setblocking(False)
    return sock


class ApiServer:
    """Serves ``app`` on ``host:port`` (0 = random) and, optionally, a Unix socket; over HTTPS
    when :meth:`start` gets ``certificate`` (a PEM file with the key, the certificate and its chain)."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        socket_path: Path | None = None,
        tls: bool = False,
        guard: ConnectionGuard | None = None,
    ) -> None:
        self.host = host
        self.tls = tls
        self._guard = guard
        self._app = app
        self._requested_port = port
        self._socket_path = socket_path
        self._sockets: list[socket.socket] = []
        self._server: _Embedded | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0
        self.socket_path: Path | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def bind(self) -> None:
        """Bind the sockets (the port is known from here on); :meth:`start` serves them. Clients
        connecting in between wait in the listen backlog."""
        if self._sockets:
            return
        guard = self.guard
        tcp = _tcp_socket(self.host, self._requested_port, guard)
        self.port = tcp.getsockname()[1]
        self._sockets = [tcp]
        if self._socket_path is not None:
            unix = _unix_socket(self._socket_path, guard)
            if unix is not None:
                self._sockets.append(unix)
                self.socket_path = self._socket_path

    @property
    def guard(self) -> ConnectionGuard:
        if self._guard is None:
            self._guard = ConnectionGuard()
        return self._guard

    async def start(self, certificate: Path | None = None) -> None:
        if self.tls and certificate is None:
            raise ValueError("an HTTPS listener needs its certificate")
        self.bind()
        config = uvicorn.Config(
            self._app,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            http=guarded_protocol(self.guard),
            timeout_graceful_shutdown=int(SHUTDOWN_GRACE_SECONDS),
            ws="none",
            ssl_certfile=certificate if self.tls else None,
            ssl_ciphers=TLS12_CIPHERS,
        )
        self._server = _Embedded(config)
        self._task = asyncio.create_task(
            self._server.serve(sockets=self._sockets), name="control-api-tls" if self.tls else "control-api"
        )
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it
                raise ApiBindError("the control API stopped while starting")
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        if self._server is None or self._task is None:
            self._close_sockets()
            return
        self._server.exit()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), SHUTDOWN_GRACE_SECONDS + 1)
        except TimeoutError:
            self._server.force_exit = True
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._close_sockets()
        self._server = None

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
