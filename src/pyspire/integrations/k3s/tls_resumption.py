"""TLS session resumption for the port-forward connections: one full handshake, then abbreviated ones.

Every forwarded connection opens its own TLS connection to the API server (:mod:`.pod_stream`),
and a full TLS 1.3 handshake with a client certificate — the server's certificate chain verified,
a signature made with the client key, the server verifying ours — cost 4–5 ms of the 23 ms it
took to open a stream (measured: TCP 0.4 ms, TLS 5.0 ms, the upgrade 14 ms, the first request
2 ms). kube-apiserver (Go's crypto/tls) hands out TLS 1.3 session tickets, so the next
connection can resume: no certificates, no signatures. asyncio has no ``session=`` parameter, so
the cluster's context is handed to it wrapped: its ``wrap_bio`` — all asyncio calls — passes the
last session of that address on. A ticket the server no longer accepts (restarted, new
keys) just means a full handshake again; the cluster's own context (its CA, its client
certificate) is the one used either way.
"""

from __future__ import annotations

import ssl
import weakref

#: The last resumable session per context and API address (weak: a replaced cluster client's
#: context and its sessions go with it).
_sessions: weakref.WeakKeyDictionary[ssl.SSLContext, dict[tuple[str, int], ssl.SSLSession]] = (
    weakref.WeakKeyDictionary()
)


class ResumingContext:
    """``context`` for asyncio, offering ``session`` (when there is one) to the server."""

    def __init__(self, context: ssl.SSLContext, session: ssl.SSLSession | None) -> None:
        self._context = context
        self._session = session

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | None = None,
    ) -> ssl.SSLObject:
        return self._context.wrap_bio(
            incoming, outgoing, server_side=server_side, server_hostname=server_hostname, session=self._session
        )


def resuming(context: ssl.SSLContext, host: str, port: int) -> ssl.SSLContext:
    """What to hand asyncio as ``ssl=``: ``context``, resuming the last session with ``host:port``.
    (Typed as the context: asyncio only calls ``wrap_bio`` on it.)"""
    session = _sessions.get(context, {}).get((host, port))
    return ResumingContext(context, session)  # type: ignore[return-value]


def remember_session(context: ssl.SSLContext, host: str, port: int, ssl_object: object) -> None:
    """Keep the session of a connection just made for the next one (when the server sent a ticket)."""
    session = getattr(ssl_object, "session", None)
    if isinstance(session, ssl.SSLSession) and session.has_ticket:
        _sessions.setdefault(context, {})[(host, port)] = session


def resumed(ssl_object: object) -> bool:
    """Whether a connection resumed a session (for tests and benchmarks)."""
    return bool(getattr(ssl_object, "session_reused", False))
