"""A Kubernetes watch over HTTP: one JSON event per line, sent as each change happens.

``{"type": "ADDED" | "MODIFIED" | "DELETED" | "ERROR", "object": {...}}`` per line, in a chunked
response that stays open. A watch that asks to resume from a version the store no longer keeps
gets an ``ERROR`` event holding a ``410 Expired`` Status (then the client re-lists), as from the
API server. With selectors, an object that stops matching is sent as DELETED and one that starts
matching as ADDED, as the API server's watch cache does.

A client that stops reading while changes keep coming is ended the same way once it is
:data:`CLIENT_WATCH_LIMIT` changes behind: the store frees what it queued for it and the client
gets the 410 event, so ``kubectl get -w`` re-lists and the app host's memory stays flat.

The watch ends when the client goes away, when ``timeoutSeconds`` runs out, or when the API shuts
down (``closing``) — a client that never disconnects must not hold up the app host's exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from pyspire.api.kube_query import Predicate
from pyspire.api.kube_status import gone
from pyspire.api.redacted_store import ClientStore
from pyspire.orchestrator.store import Obj, ObjectStore, ResourceVersionGone, WatchEvent

#: Turns an event's object into what is sent (the object itself, or a one-row Table).
Render = Callable[[Obj, bool], Any]

log = logging.getLogger(__name__)

#: Changes a client's watch may have queued in the app host before it is told 410 Gone: as many
#: as the store's history keeps. A client that far behind could not resume from the last version
#: it saw anyway (the history no longer reaches back to it), so ending it loses nothing.
CLIENT_WATCH_LIMIT = ObjectStore.HISTORY


async def filtered(
    events: AsyncIterator[WatchEvent], matches: Predicate | None, present: set[str]
) -> AsyncIterator[tuple[str, Obj]]:
    """The events a watch with selectors sees. ``present``: names that matched when it began."""
    async for event in events:
        name = event.name
        if matches is None:
            yield event.type, event.object
            continue
        now = matches(event.object)
        if event.type == "DELETED":
            if now or name in present:
                present.discard(name)
                yield "DELETED", event.object
        elif now:
            kind = "MODIFIED" if event.type == "MODIFIED" and name in present else "ADDED"
            present.add(name)
            yield kind, event.object
        elif name in present:
            present.discard(name)
            yield "DELETED", event.object


class WatchResponse(Response):
    """A response streaming ``store.watch`` until one of the ends above."""

    def __init__(
        self,
        store: ClientStore,
        kind: str,
        resource_version: str | None,
        matches: Predicate | None,
        render: Render,
        closing: asyncio.Event,
        timeout: float | None,
    ) -> None:
        super().__init__(media_type="application/json")
        self.store = store
        self.kind = kind
        # "0" (and "") mean "from any version": start with the current objects, like no version.
        self.resource_version = resource_version if resource_version not in (None, "", "0") else None
        self.matches = matches
        self.present_object = render
        self.closing = closing
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-cache, private")],
            }
        )
        pump = asyncio.create_task(self._pump(send), name=f"watch-{self.kind}")
        ends = [
            asyncio.create_task(self.closing.wait(), name="watch-closing"),
            asyncio.create_task(_disconnected(receive), name="watch-disconnect"),
        ]
        try:
            await asyncio.wait([pump, *ends], timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, *ends):
                task.cancel()
            await asyncio.gather(pump, *ends, return_exceptions=True)
        failure = None if pump.cancelled() else pump.exception()
        if failure is not None and not isinstance(failure, OSError):  # OSError: the client left
            log.error("the watch of %s failed", self.kind, exc_info=failure)
        with contextlib.suppress(OSError):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(self, send: Send) -> None:
        present = {
            o["metadata"]["name"]
            for o in self.store.list(self.kind)
            if self.matches is None or self.matches(o)
        }
        first = True
        try:
            events = self.store.watch(self.kind, self.resource_version, limit=CLIENT_WATCH_LIMIT)
            async for event_type, obj in filtered(events, self.matches, present):
                await self._send(send, {"type": event_type, "object": self.present_object(obj, first)})
                first = False
        except ResourceVersionGone as exc:
            await self._send(send, {"type": "ERROR", "object": gone(str(exc)).status()})

    @staticmethod
    async def _send(send: Send, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        await send({"type": "http.response.body", "body": line, "more_body": True})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
