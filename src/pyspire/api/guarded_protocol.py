"""uvicorn's HTTP/1.1 protocol (h11), telling the connection guard when a request is in progress.

uvicorn arms its keep-alive timeout only after a response, and any byte a client sends disarms
it, so a connection that never completes a request is otherwise kept forever. This subclass
reports to :class:`~pyspire.api.connection_guard.ConnectionGuard` instead: *busy* once a complete
request head has been parsed (its handler runs: the token check first, and an answered 401 is
done at once), *idle* again when the response is complete. Everything else is uvicorn's own.

h11 is uvicorn's pure-Python protocol, always installed with it; the API uses it whether or not
``httptools`` is present, so the hooks are the same everywhere.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from pyspire.api.connection_guard import ConnectionGuard


def guarded_protocol(guard: ConnectionGuard) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's ``http`` setting, bound to ``guard``."""

    class GuardedH11Protocol(H11Protocol):
        _fd = -1

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            self._fd = sock.fileno() if sock is not None else -1
            if not guard.connected(self._fd, self, self._drop):
                self._drop()  # evicted or timed out between accept() and now

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete:
                guard.busy(self._fd, self)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            idle = self.cycle is None or self.cycle.response_complete  # not a pipelined next request
            if idle and not self.transport.is_closing():
                guard.idle(self._fd, self, self._drop)

        def shutdown(self) -> None:
            """uvicorn's graceful shutdown, except for a connection h11 has put in its ERROR
            state (an application sent a body shorter or longer than its Content-Length): h11
            refuses to send anything on it, even the close, and uvicorn's own shutdown would
            raise and abort the whole server's stop. Such a connection is just closed."""
            if self.conn.our_state is h11.ERROR:
                self.transport.close()
                return
            super().shutdown()

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            guard.closed(self._fd, self)

        def _drop(self) -> None:
            """Close an idle connection. At once when nothing is left to send (for TLS, no
            close_notify exchange a silent client could stretch to 30 s); else after flushing
            the response it is still sending."""
            if self.transport.get_write_buffer_size() == 0:
                self.transport.abort()
            else:
                self.transport.close()

    return GuardedH11Protocol
