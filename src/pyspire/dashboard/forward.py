"""``/api/<path>`` → the control API ``<path>``, with the run's token, streamed both ways.

The page never holds the control API's token: it calls its own origin under ``/api`` with its
session cookie, and this forwarder adds ``Authorization: Bearer <token>``. Answers are passed
through chunk by chunk as they arrive (``aiter_raw``, no re-encoding), so a watch (SSE) or a
followed log (NDJSON) reaches the page the moment the control API sends it; upstream compression
is refused (``Accept-Encoding: identity``) because a compressor holds back bytes.

When the page goes away (a reload, a closed tab, ``EventSource.close()``) the upstream stream is
closed at once: an app host that is left open for a day of reloads keeps no stream per reload.
When the dashboard stops, every forwarded stream ends first, so stopping the app host does not
wait for open tabs.

It is raw ASGI rather than a Starlette ``StreamingResponse`` because it has to notice the page's
disconnect while the upstream is silent (a watch with nothing new), and end on its own signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
from starlette.types import Message, Receive, Scope, Send

from pyspire.extensions import PyspireError

#: What the page may do through the forwarder (the control API's own verbs).
METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
#: Request bodies are small JSON documents (a parameter's value, a command's arguments).
MAX_BODY_BYTES = 1024 * 1024
#: Request headers passed on (nothing that identifies the page: no cookie, no origin).
_REQUEST_HEADERS = frozenset({b"accept", b"content-type", b"last-event-id"})
#: Hop-by-hop headers (RFC 9110 §7.6.1) and what the dashboard sets itself.
_DROPPED_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
     "proxy-authenticate", "proxy-authorization", "set-cookie", "www-authenticate"}
)


async def send_json(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """An error in the control API's own shape (``{"message": ...}``), so the page reads both alike."""
    body = json.dumps({"message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ApiForwarder:
    """One HTTP client of the control API for the dashboard's lifetime, and the open streams."""

    def __init__(self, api_url: str, api_token: str) -> None:
        self._client = httpx.AsyncClient(
            base_url=api_url,
            headers={"Authorization": f"Bearer {api_token}", "Accept-Encoding": "identity"},
            # Streams are open as long as the page watches: no read timeout. Each open stream holds
            # a connection; a page opens a handful, so the pool is generous but bounded.
            timeout=httpx.Timeout(10.0, read=None),
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=16),
        )
        self._stopping = asyncio.Event()

    async def forward(self, scope: Scope, receive: Receive, send: Send, path: bytes) -> None:
        """Forward the request in ``scope`` to the control API's ``path`` (raw, still %-escaped)."""
        method = scope["method"]
        if method not in METHODS:
            await send_json(send, 405, f"the dashboard forwards {', '.join(sorted(METHODS))} only, not {method}",
                            [(b"allow", ", ".join(sorted(METHODS)).encode())])
            return
        try:
            body = await _read_body(receive)
        except _PageGone:
            return  # nothing half-received is forwarded
        if body is None:
            await send_json(send, 413, f"request body over {MAX_BODY_BYTES} bytes")
            return
        target = path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k in _REQUEST_HEADERS]
        request = self._client.build_request(method, target, headers=headers, content=body or None)
        try:
            upstream = await self._client.send(request, stream=True)
        except httpx.PoolTimeout:
            await send_json(send, 503, "too many open streams to the app host: close other dashboard tabs")
            return
        except httpx.HTTPError:
            await send_json(send, 502, "the app host's control API does not answer (is it stopping?)")
            return
        try:
            await self._relay(upstream, receive, send)
        finally:
            await upstream.aclose()

    async def _relay(self, upstream: httpx.Response, receive: Receive, send: Send) -> None:
        headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in upstream.headers.multi_items()
            if k.lower() not in _DROPPED_RESPONSE_HEADERS
        ]
        if "cache-control" not in upstream.headers:
            headers.append((b"cache-control", b"no-store"))
        await send({"type": "http.response.start", "status": upstream.status_code, "headers": headers})
        pump = asyncio.ensure_future(self._pump(upstream, send))
        gone = asyncio.ensure_future(_disconnected(receive))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({pump, gone, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (gone, stopping):
                task.cancel()
            if not pump.done():
                pump.cancel()
                # The page is gone or the dashboard stops: end the response (uvicorn ignores a
                # body sent after a disconnect) so the connection winds down now.
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            await asyncio.gather(pump, gone, stopping, return_exceptions=True)

    async def _pump(self, upstream: httpx.Response, send: Send) -> None:
        try:
            async for chunk in upstream.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.HTTPError:
            pass  # the app host is stopping: end the page's stream like the control API ended ours
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def end_streams(self) -> None:
        """End every forwarded stream now (the dashboard stops)."""
        self._stopping.set()

    async def aclose(self) -> None:
        self.end_streams()
        await self._client.aclose()


class _PageGone(PyspireError):
    """The page disconnected before its request body was complete."""


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is over :data:`MAX_BODY_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            raise _PageGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
