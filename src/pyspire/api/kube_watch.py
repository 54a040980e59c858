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
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from pyspire.api.kube_query import Predicate
from pyspire.api.kube_status import gone
from pyspire.api.redacted_store import ClientStore
from pyspire.api.streams import LiveStream
from pyspire.orchestrator.store import Obj, ObjectStore, ResourceVersionGone, WatchEvent

#: Turns an event's object into what is sent (the object itself, or a one-row Table).
Render = Callable[[Obj, bool], Any]

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


def watch_response(
    store: ClientStore,
    kind: str,
    resource_version: str | None,
    matches: Predicate | None,
    render: Render,
    closing: asyncio.Event,
    timeout: float | None,
) -> LiveStream:
    """The streamed answer to ``GET <collection>?watch=true``, until one of the ends above."""
    # "0" (and "") mean "from any version": start with the current objects, like no version.
    since = resource_version if resource_version not in (None, "", "0") else None
    return LiveStream(
        _events(store, kind, since, matches, render),
        closing,
        media_type="application/json",
        headers={"cache-control": "no-cache, private"},
        timeout=timeout,
        name=f"watch-{kind}",
    )


async def _events(
    store: ClientStore, kind: str, since: str | None, matches: Predicate | None, render: Render
) -> AsyncIterator[bytes]:
    present = {o["metadata"]["name"] for o in store.list(kind) if matches is None or matches(o)}
    first = True
    try:
        events = store.watch(kind, since, limit=CLIENT_WATCH_LIMIT)
        async for event_type, obj in filtered(events, matches, present):
            yield _line({"type": event_type, "object": render(obj, first)})
            first = False
    except ResourceVersionGone as exc:
        yield _line({"type": "ERROR", "object": gone(str(exc)).status()})


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"
