"""One port-forward stream to a pod port: the API server's websocket, with the cluster's TLS settings.

A forwarded TCP connection here opens one websocket to
``/api/v1/namespaces/<ns>/pods/<pod>/portforward?ports=<port>`` with subprotocol
``v4.channel.k8s.io`` (the kubelet's — here kwok's — websocket port-forward, which the API server
proxies as an upgrade). Channel 0 carries the bytes, channel 1 an error text (the pod's port
refused, say); the framing lives in :mod:`.portforward`. The service endpoint uses this only where
the API server does not take the SPDY tunnel (:mod:`.pod_tunnel`, before Kubernetes 1.30 or with
the PortForwardWebsockets gate off); the websocket opening itself (:func:`connect_websocket`) is
the tunnel's too.

The connection is an asyncio TLS stream made with the cluster client's own ``ssl_context()`` (its
CA, its client certificate: no second set of credentials, no certificate files), and the websocket
is ``wsproto``'s, driven in the connection's task. Not httpx-ws over the cluster's
``httpx.AsyncClient``, which was the first version: its reads go through httpcore's anyio stream
16 KiB TLS record at a time, each under a fresh cancel scope, plus a background task and a memory
channel per message — 21 MB/s where ``kubectl port-forward`` moved 117 MB/s in the same run
(benchmarks/k3s_port_forward.py) — and every open websocket held one of that client's pooled
connections, so 100 connections at once exhausted the pool the health checks also use.

Where a new connection's time went with one websocket each (benchmarks/k3s_stream_phases.py,
medians on the 2-core test machine): TCP 0.4 ms, TLS 3.4–6 ms (1–1.5 ms less when resumed,
:mod:`.tls_resumption`), the upgrade 13–16 ms, the first request 2–4 ms. The upgrade is the API
server's: for a websocket port-forward it opens a new SPDY connection to the kubelet (kwok) and
its streams, per request. ``kubectl port-forward`` (≥ 1.31) pays that once: it tunnels SPDY over
ONE websocket (``SPDY/3.1+portforward.k8s.io``) and each TCP connection is a new pair of SPDY
streams in it — hence its ~9 ms against the ~25–28 ms of a websocket per connection (kept-alive
requests and throughput were on par). :mod:`.pod_tunnel` does the same now: a request on a new
connection through the endpoint takes 2.4–4.2 ms against kubectl's 4.4–5.2 ms in the same runs;
in an open tunnel a connection's streams and first request take 1.75–2.8 ms where a websocket of
its own took 11–15 ms in the same run (benchmarks/README.md). Opening streams ahead of time is
not an option: each stream opens a connection to the user's pod (PostgreSQL logs "incomplete
startup packet" for an idle one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from pyspire.errors import TemporaryError
from pyspire.integrations.k3s.portforward import (
    DATA_CHANNEL,
    ERROR_CHANNEL,
    SUBPROTOCOL,
    FrameDecoder,
    encode_data,
)
from pyspire.integrations.k3s.tls_resumption import remember_session, resumed, resuming

#: Bytes read from the socket at once (TLS records are decrypted in bulk, frames parsed in bulk).
READ_SIZE = 256 * 1024
#: For connecting and the upgrade only; the stream itself has none: a connection may stay quiet
#: as long as its client wants.
OPEN_TIMEOUT = 10.0


class PortForwardError(TemporaryError, RuntimeError):
    """The API server refused the port-forward, or the pod side reported an error on it."""


class UpgradeRefused(PortForwardError):
    """The API server answered the websocket upgrade with another status than 101."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class TlsSettings(Protocol):
    """What opening a stream needs of the cluster's client (``ClusterClient`` is one)."""

    @property
    def server_url(self) -> str: ...

    def ssl_context(self) -> ssl.SSLContext: ...


@dataclass(frozen=True)
class PodPort:
    """Where one forwarded connection goes: a pod (by namespace and name) and its port."""

    namespace: str
    pod: str
    port: int

    def __str__(self) -> str:
        return f"pod {self.namespace}/{self.pod} port {self.port}"


def portforward_path(target: PodPort) -> str:
    """The API path of the pod's port-forward subresource, for one port."""
    return (
        f"/api/v1/namespaces/{quote(target.namespace, safe='')}/pods/{quote(target.pod, safe='')}"
        f"/portforward?ports={target.port}"
    )


class PodStream:
    """The bytes of one forwarded connection, read and written through the websocket."""

    def __init__(
        self, ws: WSConnection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: PodPort
    ) -> None:
        self._ws, self._reader, self._writer, self._target = ws, reader, writer, target
        self._decoder = FrameDecoder(expected_port=target.port)
        self._channel: int | None = None  # of the message being received, once its head is read
        self._head = b""  # the start of a message, until its channel (and port) can be read
        self._error = b""
        self._ended = False

    @property
    def resumed_tls(self) -> bool:
        """Whether this stream's TLS connection resumed an earlier session (:mod:`.tls_resumption`)."""
        return resumed(self._writer.get_extra_info("ssl_object"))

    async def read(self) -> bytes:
        """The pod's next bytes; b"" once the stream ended. An error channel text raises."""
        while not self._ended:
            payload = self._next_payload()
            if payload:
                return payload
            if self._ended:
                break
            try:
                data = await self._reader.read(READ_SIZE)
            except (OSError, ssl.SSLError):
                data = b""
            if not data:
                self._ended = True
                break
            try:
                self._ws.receive_data(data)
            except RemoteProtocolError as exc:
                raise PortForwardError(f"{self._target}: the API server broke the websocket: {exc}") from exc
        return b""

    def _next_payload(self) -> bytes:
        """Data-channel bytes from the events already received (b"" when there are none)."""
        out = bytearray()
        for event in self._ws.events():
            if isinstance(event, BytesMessage):
                out += self._message_part(bytes(event.data), event.message_finished)
            elif isinstance(event, Ping):
                self._writer.write(self._ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                with contextlib.suppress(LocalProtocolError):
                    self._writer.write(self._ws.send(event.response()))
                self._ended = True
            elif isinstance(event, TextMessage):
                raise PortForwardError(f"{self._target}: the API server sent text on a binary port-forward")
        return bytes(out)

    def _message_part(self, data: bytes, finished: bool) -> bytes:
        """One received piece of a websocket message: its channel is in its first byte (and its
        port in the next two, for each channel's first message)."""
        if self._channel is None:
            self._head += data
            if len(self._head) < 3 and not finished:
                return b""  # too short to say the channel and port yet
            self._channel, data = self._decoder.feed(self._head)
            self._head = b""
        channel = self._channel
        if finished:
            self._channel = None
        if channel == DATA_CHANNEL:
            return data
        if channel == ERROR_CHANNEL:
            self._error += data
            if finished and self._error:
                self._ended = True
                raise PortForwardError(f"{self._target}: {self._error.decode(errors='replace').strip()}")
        return b""

    async def write(self, data: bytes) -> None:
        """Send bytes to the pod (on the data channel)."""
        if self._ws.state is not ConnectionState.OPEN:
            raise PortForwardError(f"{self._target}: the port-forward stream closed")
        try:
            self._writer.write(self._ws.send(BytesMessage(data=encode_data(data))))
            await self._writer.drain()
        except (OSError, ssl.SSLError, LocalProtocolError) as exc:
            raise PortForwardError(f"{self._target}: the port-forward stream closed") from exc

    async def close(self) -> None:
        """Say goodbye (a close frame) and close the connection; idempotent."""
        self._ended = True
        if self._ws.state is ConnectionState.OPEN:
            with contextlib.suppress(LocalProtocolError, OSError):
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
        self._writer.close()
        with contextlib.suppress(OSError, ssl.SSLError, asyncio.TimeoutError):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()


@dataclass
class ApiWebSocket:
    """An accepted websocket to the API server: the protocol state, its TLS stream, and the
    subprotocol the server chose."""

    ws: WSConnection
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    subprotocol: str | None


async def connect_websocket(cluster: TlsSettings, path: str, subprotocol: str, target: PodPort) -> ApiWebSocket:
    """A websocket upgrade of ``path`` offering ``subprotocol``, over a TLS connection made with the
    cluster client's context (resuming its last session); a refusal raises :class:`UpgradeRefused`
    with the API server's own message (``pods "web-1" not found``, a forbidden verb…)."""
    url = urlsplit(cluster.server_url)
    host, port = url.hostname or "localhost", url.port or (443 if url.scheme == "https" else 80)
    tls = cluster.ssl_context() if url.scheme == "https" else None
    try:
        async with asyncio.timeout(OPEN_TIMEOUT):
            reader, writer = await asyncio.open_connection(
                host,
                port,
                ssl=resuming(tls, host, port) if tls else None,
                server_hostname=host if tls else None,
                limit=READ_SIZE,
            )
    except (OSError, TimeoutError) as exc:
        raise PortForwardError(f"port-forward to {target} failed: cannot connect to {host}:{port}: {exc!r}") from exc
    try:
        ws = WSConnection(ConnectionType.CLIENT)
        writer.write(ws.send(Request(host=url.netloc, target=path, subprotocols=[subprotocol])))
        async with asyncio.timeout(OPEN_TIMEOUT):
            chosen = await _handshake(ws, reader, target)
        if tls:  # the TLS 1.3 ticket arrived with the answer: the next connection resumes with it
            remember_session(tls, host, port, writer.get_extra_info("ssl_object"))
    except BaseException as exc:
        writer.close()
        if isinstance(exc, OSError | ssl.SSLError | TimeoutError | RemoteProtocolError):
            raise PortForwardError(f"port-forward to {target} failed: {exc!r}") from exc
        raise
    return ApiWebSocket(ws, reader, writer, chosen)


@contextlib.asynccontextmanager
async def open_pod_stream(cluster: TlsSettings, target: PodPort) -> AsyncIterator[PodStream]:
    """A websocket port-forward to ``target``, closed on leaving; a refusal raises with the API
    server's own message (``pods "web-1" not found``, a forbidden verb…)."""
    conn = await connect_websocket(cluster, portforward_path(target), SUBPROTOCOL, target)
    stream = PodStream(conn.ws, conn.reader, conn.writer, target)
    try:
        yield stream
    finally:
        await stream.close()


async def _handshake(ws: WSConnection, reader: asyncio.StreamReader, target: PodPort) -> str | None:
    """Until the server accepted the upgrade (returns the subprotocol it chose); a refusal raises
    :class:`UpgradeRefused` with its status and message. Only the answer's head goes to wsproto
    before it is accepted: what follows it stays in ``reader``, for whoever reads the frames."""
    rejected: RejectConnection | None = None
    body = b""
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        data = b""
    except asyncio.LimitOverrunError as exc:
        raise PortForwardError(f"port-forward to {target} failed: an answer head of over {READ_SIZE} bytes") from exc
    while True:
        ws.receive_data(data or None)
        for event in ws.events():
            if isinstance(event, AcceptConnection):
                return event.subprotocol
            if isinstance(event, RejectConnection):
                rejected = event
                if not event.has_body:
                    raise UpgradeRefused(f"port-forward to {target} refused: HTTP {event.status_code}", event.status_code)
            elif isinstance(event, RejectData):
                body += event.data
                if event.body_finished and rejected is not None:
                    raise UpgradeRefused(
                        f"port-forward to {target} refused: {_reason(rejected.status_code, body)}",
                        rejected.status_code,
                    )
        if not data:
            raise PortForwardError(f"port-forward to {target} failed: the API server closed the connection")
        data = await reader.read(READ_SIZE)


def _reason(status: int, body: bytes) -> str:
    """The status and message of a refused upgrade (Kubernetes answers with a Status object)."""
    text = body.decode(errors="replace")
    try:
        message = str(json.loads(text).get("message") or text)
    except (ValueError, AttributeError):
        message = text.strip()
    return f"HTTP {status}" + (f": {message}" if message else "")
