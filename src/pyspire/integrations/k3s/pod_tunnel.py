"""One port-forward tunnel per pod: SPDY/3.1 in one websocket, each forwarded connection two streams.

A websocket per connection (:mod:`.pod_stream`) costs the API server's upgrade on every new
connection — it opens a SPDY connection to the kubelet (kwok here) each time: 13–16 ms of the
~25–28 ms a new connection took, where ``kubectl port-forward`` took ~9 ms. kubectl (client-go
``tools/portforward``, ≥ 1.31) opens ONE websocket with subprotocol
``SPDY/3.1+portforward.k8s.io``; the API server's tunneling handler passes its bytes through to
one SPDY connection to the kubelet, and every TCP connection is a new pair of streams in it. So
does this module (the frames are :mod:`.spdy`'s).

A connection's streams, as client-go's ``portforward.go`` makes them and the kubelet's
``cri-streaming`` serves them (kwok uses the same package):

- an error stream and a data stream, each a SYN_STREAM with headers ``streamtype`` (``error`` |
  ``data``), ``port`` and ``requestid`` (the same for the pair: the kubelet pairs them by it).
  kubectl sends one, waits for its SYN_REPLY, then the other; here both, and the error stream's
  FIN ("nothing will be written on it", kubectl's ``Close``), leave in one websocket message and
  only the data stream's reply is waited for. That is safe: spdystream handles one stream's frames
  in order (one worker per stream id) and replies from the same worker, so the data frames that
  follow a SYN_STREAM find the stream replied to;
- the kubelet dials the pod's port and copies bytes both ways; when it cannot, it writes why on
  the error stream and resets both. That text fails that connection only (kubectl ends the whole
  port-forward on one) — and retires the tunnel when nothing had come back yet: a tunnel outlives
  its pod (the API server checks the pod only when the websocket opens), so the next connection
  opens a fresh one and hears the API server's 404 when the pod is gone, which is what sends the
  forwarder looking for another pod;
- leaving a connection resets its data stream (kubectl resets it once either direction ended).

A tunnel is opened by the first connection to a pod (concurrent first connections wait for that
one opening), pinged every 10 s as kubectl does (kwok closes a SPDY connection idle for an hour),
and replaced when it died, when the server said GOAWAY, when its stream ids ran out, or when the
resolver moved to another pod — the old one closes after its last connection, which are left to
finish as with one websocket each. Bytes received for a connection wait in its stream, at most
:data:`STREAM_BUFFER` of them: past that the tunnel stops reading until the connection's client
took them (spdystream does no flow control; kubectl's tunnel blocks the same way).

An API server that does not take the tunnel (before 1.30, or the PortForwardWebsockets gate off)
answers its upgrade with another status or no such subprotocol: the connection then uses one v4
websocket of its own, and so do the later ones through the same cluster client — what kubectl's
fallback dialer does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

from wsproto.connection import ConnectionState
from wsproto.events import BytesMessage, CloseConnection, Pong
from wsproto.utilities import LocalProtocolError

from pyspire.integrations.k3s import spdy
from pyspire.integrations.k3s.pod_stream import (
    OPEN_TIMEOUT,
    READ_SIZE,
    ApiWebSocket,
    PodPort,
    PodStream,
    PortForwardError,
    TlsSettings,
    UpgradeRefused,
    connect_websocket,
    open_pod_stream,
)
from pyspire.integrations.k3s.ws_frames import OP_CLOSE, OP_PING, ServerFrames, WebSocketFrameError

TUNNEL_SUBPROTOCOL = "SPDY/3.1+portforward.k8s.io"
#: kubectl's ping period (client-go ``tunneling_dialer.go``).
PING_PERIOD = 10.0
#: Bytes received for one connection and not yet taken by it, before the tunnel stops reading.
STREAM_BUFFER = 1 << 20
#: How long a connection that got no byte waits for the error stream once its data stream ended.
ERROR_GRACE = 2.0
#: The largest data frame sent (a client read is at most this much anyway).
MAX_DATA_FRAME = READ_SIZE


class TunnelClosed(PortForwardError):
    """The tunnel ended before it could carry a stream (a fresh tunnel is worth one more try)."""


def tunnel_path(namespace: str, pod: str) -> str:
    """The pod's port-forward subresource without ``ports``: the tunnel's streams name their port."""
    return f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/portforward"


class TunnelStream:
    """One forwarded connection's pair of streams in a tunnel: the bytes of the data stream, and
    the error stream's text, which fails the connection."""

    def __init__(self, tunnel: PodTunnel, target: PodPort, error_id: int, data_id: int) -> None:
        self.tunnel, self._target = tunnel, target
        self.error_id, self.data_id = error_id, data_id
        self.replied: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._chunks: deque[bytes] = deque()
        self.buffered = 0
        self.drained = asyncio.Event()
        self.drained.set()
        self._wake = asyncio.Event()
        self._data_ended = False  # FIN or RST on the data stream
        self._reset = False
        self._error = bytearray()
        self._error_ended = False
        self._tunnel_ended: str | None = None
        self._closed = False
        self._error_awaited = False
        self.received_data = False

    @property
    def failed_before_data(self) -> bool:
        """The pod side refused the connection (error text) before sending it any byte."""
        return bool(self._error) and not self.received_data

    # -- what the tunnel's reader reports -----------------------------------------------------------

    def on_reply(self, stream_id: int) -> None:
        if stream_id == self.data_id and not self.replied.done():
            self.replied.set_result(None)

    def on_data(self, stream_id: int, data: bytes, fin: bool) -> None:
        if stream_id == self.error_id:
            self._error += data
            self._error_ended = self._error_ended or fin
        elif data:
            self._chunks.append(data)
            self.buffered += len(data)
            self.received_data = True
            if self.buffered > STREAM_BUFFER:
                self.drained.clear()
        if stream_id == self.data_id and fin:
            self._data_ended = True
        self._wake.set()

    def on_reset(self, stream_id: int, status: int) -> None:
        if stream_id == self.error_id:
            self._error_ended = True
        else:
            self._data_ended = self._reset = True
            if not self.replied.done():
                try:
                    name = spdy.RstStatus(status).name
                except ValueError:
                    name = str(status)
                self.replied.set_exception(
                    PortForwardError(f"port-forward to {self._target} refused: the kubelet reset the stream ({name})")
                )
        self._wake.set()

    def on_tunnel_end(self, reason: str) -> None:
        self._tunnel_ended = reason
        self._data_ended = self._error_ended = True
        if not self.replied.done():
            self.replied.set_exception(TunnelClosed(f"port-forward to {self._target} failed: the tunnel {reason}"))
        self.drained.set()
        self._wake.set()

    # -- the connection's side (the forwarder's Upstream) -------------------------------------------

    async def read(self) -> bytes:
        """The pod's next bytes; b"" once the pod side ended the stream. Error text raises."""
        while True:
            if self._chunks:
                data = self._chunks.popleft() if len(self._chunks) == 1 else b"".join(self._chunks)
                self._chunks.clear()
                self.buffered = 0
                self.drained.set()
                return data
            if self._error and (self._error_ended or self._data_ended):
                raise PortForwardError(f"{self._target}: {self._error.decode(errors='replace').strip()}")
            if self._data_ended and not self.received_data and not self._error_awaited:
                # The kubelet writes why it could not reach the pod's port on the error stream, and
                # spdystream orders frames within a stream, not across streams: the data stream's
                # end can overtake that text. kubectl waits for the error stream before it reports a
                # connection's end; so does a connection that got no byte (a refused one), briefly.
                self._error_awaited = True
                await self._error_text_or_end(ERROR_GRACE)
                continue
            if self._data_ended:
                if self._tunnel_ended is not None and not self._reset:
                    raise PortForwardError(f"{self._target}: the port-forward tunnel {self._tunnel_ended}")
                return b""
            self._wake.clear()
            await self._wake.wait()

    async def _error_text_or_end(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not (self._error or self._error_ended or self._tunnel_ended is not None):
                    self._wake.clear()
                    await self._wake.wait()

    async def write(self, data: bytes) -> None:
        """Send bytes to the pod on the data stream."""
        if self._closed or self._reset or self._tunnel_ended is not None:
            raise PortForwardError(f"{self._target}: the port-forward stream closed")
        view = memoryview(data)
        for start in range(0, len(data), MAX_DATA_FRAME):
            await self.tunnel.send(spdy.DataFrame(self.data_id, bytes(view[start : start + MAX_DATA_FRAME])))

    def close(self) -> None:
        """Leave the connection: reset its data stream (unless the kubelet did) and forget both."""
        if self._closed:
            return
        self._closed = True
        self.drained.set()
        if not self.replied.done():  # left while opening: nobody will look at its outcome
            self.replied.cancel()
        self.tunnel.forget(self)
        if not self._reset and self._tunnel_ended is None:
            with contextlib.suppress(TunnelClosed):  # a closing tunnel resets every stream anyway
                self.tunnel.send_nowait(spdy.RstStream(self.data_id, spdy.RstStatus.CANCEL))


class PodTunnel:
    """One SPDY connection in one websocket to a pod's port-forward; its streams are connections."""

    def __init__(self, conn: ApiWebSocket, key: tuple[str, str], cluster: TlsSettings, name: str) -> None:
        self._ws, self._reader, self._writer = conn.ws, conn.reader, conn.writer
        self.key, self.cluster, self._name = key, cluster, name
        self._out, self._in = spdy.FrameWriter(), spdy.FrameReader()
        self._ids = spdy.StreamIds(1)
        self._request_ids = itertools.count()
        self._ping_ids = itertools.count(1, 2)
        self._streams: dict[int, TunnelStream] = {}  # by both of a pair's ids
        self.open_streams: set[TunnelStream] = set()
        self.gone_away = self.retired = False
        self.ended: str | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def __str__(self) -> str:
        return f"tunnel to pod {self.key[0]}/{self.key[1]}"

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read(), name=f"{self._name}-tunnel-read"),
            loop.create_task(self._ping(), name=f"{self._name}-tunnel-ping"),
        ]

    @property
    def accepting(self) -> bool:
        """Whether a new connection may use it."""
        return self.ended is None and not self.gone_away and not self.retired and self._ids.left >= 2

    async def open_stream(self, target: PodPort) -> TunnelStream:
        """A new pair of streams to ``target``'s port, once the kubelet answered the data stream."""
        error_id, data_id = self._ids.allocate(), self._ids.allocate()
        if not self.accepting or error_id is None or data_id is None:
            raise TunnelClosed(f"port-forward to {target} failed: the {self} takes no new streams")
        headers = {"streamtype": "error", "port": str(target.port), "requestid": str(next(self._request_ids))}
        stream = TunnelStream(self, target, error_id, data_id)
        self._streams[error_id] = self._streams[data_id] = stream
        self.open_streams.add(stream)
        try:
            await self.send(
                spdy.SynStream(error_id, headers),
                spdy.DataFrame(error_id, b"", fin=True),
                spdy.SynStream(data_id, headers | {"streamtype": "data"}),
            )
            async with asyncio.timeout(OPEN_TIMEOUT):
                await stream.replied
        except TimeoutError:
            stream.close()
            raise PortForwardError(
                f"port-forward to {target} failed: no answer on the {self} in {OPEN_TIMEOUT:g} s"
            ) from None
        except BaseException:
            stream.close()
            raise
        return stream

    def forget(self, stream: TunnelStream) -> None:
        """The connection left: frames still coming for its streams are dropped."""
        self.open_streams.discard(stream)
        self._streams.pop(stream.error_id, None)
        self._streams.pop(stream.data_id, None)

    def send_nowait(self, *frames: spdy.Frame) -> None:
        """Queue ``frames`` in one websocket message (encoded now: the header compression context
        follows the order frames leave in)."""
        if self.ended is not None or self._ws.state is not ConnectionState.OPEN:
            raise TunnelClosed(f"the {self} {self.ended or 'closed'}")
        payload = b"".join(self._out.encode(frame) for frame in frames)
        try:
            self._writer.write(self._ws.send(BytesMessage(data=payload)))
        except (OSError, RuntimeError, LocalProtocolError) as exc:
            raise TunnelClosed(f"the {self} closed: {exc!r}") from exc

    async def send(self, *frames: spdy.Frame) -> None:
        """Send ``frames``, waiting while the API server's connection is backed up."""
        self.send_nowait(*frames)
        try:
            await self._writer.drain()
        except (OSError, ssl.SSLError) as exc:
            raise TunnelClosed(f"the {self} closed: {exc!r}") from exc

    async def _read(self) -> None:
        reason = "was closed by the API server"
        frames = ServerFrames()
        try:
            while data := await self._reader.read(READ_SIZE):
                payload, controls = frames.feed(data)
                if payload:
                    for frame in self._in.feed(payload):
                        self._dispatch(frame)
                for opcode, body in controls:
                    if opcode == OP_PING:
                        self._writer.write(self._ws.send(Pong(payload=body)))
                    elif opcode == OP_CLOSE:
                        code = int.from_bytes(body[:2], "big") if len(body) >= 2 else 1005
                        with contextlib.suppress(LocalProtocolError):
                            self._writer.write(self._ws.send(CloseConnection(code=code)))
                        reason = f"was closed by the API server (websocket close {code})"
                        return
                for stream in list(self.open_streams):  # the kubelet waits while a client is slow
                    await stream.drained.wait()
        except (OSError, ssl.SSLError, LocalProtocolError, WebSocketFrameError, spdy.SpdyError) as exc:
            reason = f"broke: {exc!r}"
        except Exception as exc:  # noqa: BLE001 - the tunnel's end must reach its streams whatever it was
            reason = f"failed: {exc!r}"
        finally:
            self._end(reason)

    def _dispatch(self, frame: spdy.Frame) -> None:
        match frame:
            case spdy.DataFrame(stream_id, data, fin):
                if (stream := self._streams.get(stream_id)) is not None:
                    stream.on_data(stream_id, data, fin)
            case spdy.SynReply(stream_id, _headers, fin):
                if (stream := self._streams.get(stream_id)) is not None:
                    stream.on_reply(stream_id)
                    if fin:
                        stream.on_data(stream_id, b"", True)
            case spdy.RstStream(stream_id, status):
                if (stream := self._streams.get(stream_id)) is not None:
                    stream.on_reset(stream_id, status)
            case spdy.Ping(ping_id) if ping_id % 2 == 0:  # the server's: echo it (ours are odd)
                self.send_nowait(frame)
            case spdy.GoAway():
                self.gone_away = True
            case spdy.SynStream(stream_id):  # port-forward servers open none
                self.send_nowait(spdy.RstStream(stream_id, spdy.RstStatus.REFUSED_STREAM))

    async def _ping(self) -> None:
        with contextlib.suppress(PortForwardError):
            while self.ended is None:
                await asyncio.sleep(PING_PERIOD)
                self.send_nowait(spdy.Ping(next(self._ping_ids) & spdy.MAX_STREAM_ID or 1))

    def _end(self, reason: str) -> None:
        if self.ended is not None:
            return
        self.ended = reason
        for stream in list(self.open_streams):
            stream.on_tunnel_end(reason)
        self._writer.close()

    async def close(self) -> None:
        """GOAWAY, the websocket's close, the socket; every task of the tunnel ended on return."""
        if self.ended is None:
            with contextlib.suppress(PortForwardError, LocalProtocolError, OSError):
                self.send_nowait(spdy.GoAway(0))
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
            self._end("was closed")
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()


async def open_tunnel(cluster: TlsSettings, target: PodPort, name: str) -> PodTunnel:
    """A tunnel to ``target``'s pod; an API server that does not take it raises :class:`UpgradeRefused`."""
    conn = await connect_websocket(cluster, tunnel_path(target.namespace, target.pod), TUNNEL_SUBPROTOCOL, target)
    if conn.subprotocol != TUNNEL_SUBPROTOCOL:
        conn.writer.close()
        raise UpgradeRefused(
            f"port-forward to {target} refused: the API server chose subprotocol {conn.subprotocol!r}", 101
        )
    tunnel = PodTunnel(conn, (target.namespace, target.pod), cluster, name)
    tunnel.start()
    return tunnel


class PodTunnels:
    """The tunnels of one service endpoint: the current pod's, shared by its connections, and the
    retired ones until their last connection left."""

    def __init__(self, name: str, log: Callable[[str], None]) -> None:
        self._name, self._log = name, log
        self._current: PodTunnel | None = None
        self._retired: set[PodTunnel] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._opening = asyncio.Lock()
        self._refused_by: TlsSettings | None = None  # the cluster client whose server has no tunnel

    @property
    def current(self) -> PodTunnel | None:
        """The tunnel new connections use (for tests and benchmarks)."""
        return self._current

    @contextlib.asynccontextmanager
    async def open(self, cluster: TlsSettings, target: PodPort) -> AsyncIterator[TunnelStream | PodStream]:
        """A stream to ``target`` for one connection: in the pod's tunnel, or its own websocket
        when the API server does not take the tunnel. Failing to open raises PortForwardError."""
        stream: TunnelStream | None = None
        refused: UpgradeRefused | None = None
        if self._refused_by is not cluster:
            try:
                stream = await self._open_stream(cluster, target)
            except UpgradeRefused as exc:
                refused = exc
        if stream is None:
            async with open_pod_stream(cluster, target) as own:
                if refused is not None:
                    self._refused_by = cluster
                    self._log(f"the API server refused the SPDY tunnel ({refused}): one websocket per connection")
                yield own
            return
        try:
            yield stream
        finally:
            stream.close()
            if stream.failed_before_data:
                self._retire(stream.tunnel)
            self._close_if_done(stream.tunnel)

    def follow(self, target: PodPort | None) -> None:
        """The resolver moved on: a tunnel to another pod takes no new connections."""
        current = self._current
        if target is not None and current is not None and current.key != (target.namespace, target.pod):
            self._retire(current)

    async def close(self) -> None:
        """Close every tunnel (the connections are gone by now); nothing is left running."""
        for tunnel in [self._current, *self._retired]:
            if tunnel is not None:
                self._retire(tunnel)
                self._spawn_close(tunnel)
        self._current = None
        await asyncio.gather(*list(self._closing), return_exceptions=True)

    async def _open_stream(self, cluster: TlsSettings, target: PodPort) -> TunnelStream:
        """A stream in the pod's tunnel: one more try in a fresh tunnel when the one at hand was
        found closed (the API server restarted, or dropped it)."""
        for attempt in range(2):
            tunnel = await self._tunnel(cluster, target)
            try:
                return await tunnel.open_stream(target)
            except TunnelClosed:
                self._retire(tunnel)
                if attempt:
                    raise
            except PortForwardError:
                self._retire(tunnel)
                raise
        raise AssertionError("unreachable")

    async def _tunnel(self, cluster: TlsSettings, target: PodPort) -> PodTunnel:
        key = (target.namespace, target.pod)
        async with self._opening:  # concurrent first connections wait for the one opening
            current = self._current
            if current is not None and current.key == key and current.cluster is cluster and current.accepting:
                return current
            if current is not None:
                self._retire(current)
            tunnel = await open_tunnel(cluster, target, self._name)
            self._current = tunnel
            self._log(f"port-forward tunnel to pod {target.namespace}/{target.pod} open: its connections share it")
            return tunnel

    def _retire(self, tunnel: PodTunnel) -> None:
        tunnel.retired = True
        if tunnel is self._current:
            self._current = None
        self._retired.add(tunnel)
        self._close_if_done(tunnel)

    def _close_if_done(self, tunnel: PodTunnel) -> None:
        """A retired (or dead) tunnel without connections is closed."""
        if (tunnel.retired or tunnel.ended is not None) and not tunnel.open_streams and tunnel is not self._current:
            self._spawn_close(tunnel)

    def _spawn_close(self, tunnel: PodTunnel) -> None:
        if tunnel not in self._retired:
            return
        self._retired.discard(tunnel)
        task = asyncio.get_running_loop().create_task(tunnel.close(), name=f"{self._name}-tunnel-close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
