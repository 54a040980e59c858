"""Long-lived responses (snapshot watches, followed logs, Kubernetes watches) and how they end.

Every stream the API serves is a :class:`LiveStream`: the body is read from a subscription to one
of the app host's broadcasts (whose bounded buffer and overflow policy decide what a slow client
gets) and sent until one of four ends:

- the body ends (a watch that got Gone has sent its 410 event),
- the client goes away (noticed at once, not at the next write: a quiet watch sends nothing),
- the API shuts down (``closing``) — a client that follows logs forever must not keep the app
  host from exiting; ``farewell`` is sent then, so the client can tell a stop from a dropped line,
- ``timeout`` runs out (a Kubernetes watch's ``timeoutSeconds``).

A quiet stream also sends ``keepalive`` every ``idle`` seconds, so proxies and clients can tell
it is still open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)


class LiveStream(Response):
    """A response streaming ``body`` until it ends, the client leaves, ``closing`` is set or
    ``timeout`` seconds pass."""

    def __init__(
        self,
        body: AsyncIterator[bytes],
        closing: asyncio.Event,
        *,
        media_type: str,
        headers: Mapping[str, str] | None = None,
        idle: float | None = None,
        keepalive: bytes = b"",
        farewell: bytes = b"",
        timeout: float | None = None,
        name: str = "stream",
    ) -> None:
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self.body_iterator = body
        self.closing = closing
        self.idle = idle if keepalive else None
        self.keepalive = keepalive
        self.farewell = farewell
        self.timeout = timeout
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        pump = asyncio.create_task(self._pump(send), name=f"{self.name}-pump")
        closing = asyncio.create_task(self.closing.wait(), name=f"{self.name}-closing")
        gone = asyncio.create_task(_disconnected(receive), name=f"{self.name}-disconnect")
        client_left = False
        try:
            await asyncio.wait([pump, closing, gone], timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
            client_left = gone.done()
        finally:
            for task in (pump, closing, gone):
                task.cancel()
            await asyncio.gather(pump, closing, gone, return_exceptions=True)
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        failure = None if pump.cancelled() else pump.exception()
        if failure is not None and not isinstance(failure, OSError):  # OSError: the client left
            log.error("the %s stream failed", self.name, exc_info=failure)
        with contextlib.suppress(OSError):
            if self.farewell and self.closing.is_set() and not client_left:
                await send({"type": "http.response.body", "body": self.farewell, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(self, send: Send) -> None:
        async for chunk in _with_keepalive(self.body_iterator, self.idle, self.keepalive):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _with_keepalive(body: AsyncIterator[bytes], idle: float | None, keepalive: bytes) -> AsyncIterator[bytes]:
    """``body``'s chunks, and ``keepalive`` after every ``idle`` seconds without one. The read
    in progress is kept across a keep-alive (cancelling it would end an async generator)."""
    if idle is None:
        async for chunk in body:
            yield chunk
        return
    pending: asyncio.Future[bytes] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(body))
            done, _ = await asyncio.wait({pending}, timeout=idle)
            if not done:
                yield keepalive
                continue
            finished, pending = pending, None
            try:
                chunk = finished.result()
            except StopAsyncIteration:
                return
            yield chunk
    finally:
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
