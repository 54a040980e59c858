"""The telemetry read API on the control API: ``/v1/telemetry/...`` (docs/telemetry.md).

Plain GETs answer from the store; ``watch=1`` turns logs, traces and a metric into Server-Sent
Events fed by ``store.changes()``: first what a GET would answer, then what is new. A stream ends
when the client goes, or when the store closes (the app host stops: an ``event: closing`` is the
last thing sent), and sends a comment every :data:`KEEPALIVE_SECONDS` while quiet.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pyspire.extensions import LiveStream
from pyspire.telemetry.json_shapes import (
    instrument_json,
    instrument_summary_json,
    log_json,
    series_json,
    span_json,
    stats_json,
    summary_json,
    trace_json,
)
from pyspire.telemetry.matching import attributes_key
from pyspire.telemetry.queries import LogQuery, SpanQuery, TelemetryChange, TelemetryStore, TraceQuery
from pyspire.telemetry.route_params import Params

KEEPALIVE_SECONDS = 15.0
#: Records per SSE event while catching up after a change.
WATCH_BATCH = 1000
#: A metric watch re-reads this far back, so a point that arrives late (an exporter's clock,
#: a slow batch) is still sent; each series' own cursor keeps what was sent from repeating.
LATE_POINTS_NS = 10_000_000_000
_NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

_LOG_PARAMS = ("resource", "replica", "severity", "text", "trace_id", "attribute", "after", "before", "limit", "watch")
_TRACE_PARAMS = (
    "resource", "text", "min_duration_ms", "max_duration_ms", "status", "attribute", "before_ms", "limit", "watch"
)  # fmt: skip
_SPAN_PARAMS = ("resource", "trace_id", "name", "status", "attribute", "min_duration_ms", "limit")


def _event(kind: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


_CLOSING = _event("closing", {"message": "the app host is stopping"})


def _stream(body: AsyncIterator[bytes], name: str) -> LiveStream:
    return LiveStream(
        body,
        asyncio.Event(),  # the store closing ends the body, which sends its own farewell
        media_type="text/event-stream",
        headers=_NO_BUFFERING,
        idle=KEEPALIVE_SECONDS,
        keepalive=b": keep-alive\n\n",
        name=name,
    )


def telemetry_routes(store: TelemetryStore) -> list[BaseRoute]:
    async def logs(request: Request) -> Response:
        params = Params(request.query_params, _LOG_PARAMS)
        query = LogQuery(
            resource=params.text("resource"),
            replica=params.text("replica"),
            min_severity=params.severity(),
            text=params.text("text"),
            trace_id=params.text("trace_id"),
            attributes=params.attributes(),
            after_id=params.integer("after"),
            before_id=params.integer("before"),
            limit=params.limit(200),
        )
        if params.flag("watch"):
            return _stream(_watch_logs(query), "telemetry-logs-watch")
        def page() -> object:
            items = store.logs(query)
            last_id = items[-1].id if items else (query.after_id if query.after_id is not None else store.last_log_id())
            return {"items": [log_json(entry) for entry in items], "last_id": last_id}

        return await _json_off_loop(page)

    async def _watch_logs(query: LogQuery) -> AsyncIterator[bytes]:
        changes = store.changes()  # registered now: nothing written after the first page is missed
        try:
            page = store.logs(query)
            if query.after_id is not None:
                # Paging forward from ``after``: the first page is the oldest records after it,
                # so the rest up to now is caught up below before waiting for changes.
                cursor = page[-1].id if page else query.after_id
            else:
                cursor = max(store.last_log_id(), page[-1].id if page else 0)
            yield _event("logs", {"items": [log_json(entry) for entry in page]})
            caught_up = query.after_id is None
            async for change in _first_then(changes, caught_up):
                if change is not None and "logs" not in change.kinds:
                    continue
                while True:
                    batch = store.logs(dataclasses.replace(query, after_id=cursor, before_id=None, limit=WATCH_BATCH))
                    if not batch:
                        break
                    cursor = batch[-1].id
                    yield _event("logs", {"items": [log_json(entry) for entry in batch]})
                    if len(batch) < WATCH_BATCH:
                        break
            yield _CLOSING
        finally:
            await _close(changes)

    async def traces(request: Request) -> Response:
        params = Params(request.query_params, _TRACE_PARAMS)
        query = TraceQuery(
            resource=params.text("resource"),
            text=params.text("text"),
            min_duration_ns=params.milliseconds_as_ns("min_duration_ms"),
            max_duration_ns=params.milliseconds_as_ns("max_duration_ms"),
            status=params.status(),
            attributes=params.attributes(),
            before_ns=params.milliseconds_as_ns("before_ms"),
            limit=params.limit(100),
        )
        if params.flag("watch"):
            return _stream(_watch_traces(query), "telemetry-traces-watch")
        return await _json_off_loop(lambda: {"items": [summary_json(summary) for summary in store.traces(query)]})

    async def _watch_traces(query: TraceQuery) -> AsyncIterator[bytes]:
        changes = store.changes()
        try:
            yield _event("traces", {"items": [summary_json(summary) for summary in store.traces(query)]})
            async for change in changes:
                if not change.trace_ids:
                    continue
                again = dataclasses.replace(query, trace_ids=change.trace_ids, limit=len(change.trace_ids))
                found = store.traces(again)
                if found:
                    yield _event("traces", {"items": [summary_json(summary) for summary in found]})
            yield _CLOSING
        finally:
            await _close(changes)

    async def trace(request: Request) -> Response:
        Params(request.query_params, ())
        trace_id = request.path_params["trace_id"]
        found = store.trace(trace_id.lower())
        if found is None:
            raise HTTPException(
                404, f"no trace '{trace_id}' (it never arrived, or was evicted: see GET /v1/telemetry/stats)"
            )
        return await _json_off_loop(lambda: trace_json(found))

    async def spans(request: Request) -> Response:
        params = Params(request.query_params, _SPAN_PARAMS)
        trace_id = params.text("trace_id")
        query = SpanQuery(
            resource=params.text("resource"),
            trace_id=trace_id.lower() if trace_id else None,
            name=params.text("name"),
            status=params.status(),
            attributes=params.attributes(),
            min_duration_ns=params.milliseconds_as_ns("min_duration_ms"),
            limit=params.limit(200),
        )
        return await _json_off_loop(lambda: {"items": [span_json(span) for span in store.spans(query)]})

    async def metrics(request: Request) -> Response:
        params = Params(request.query_params, ("resource",))
        found = store.instruments(params.text("resource"))
        return JSONResponse({"items": [instrument_summary_json(summary) for summary in found]})

    async def metric(request: Request) -> Response:
        params = Params(request.query_params, ("resource", "since_ms", "watch"))
        name = request.path_params["name"]
        resource = params.text("resource")
        since_ns = params.milliseconds_as_ns("since_ms")
        known = [summary for summary in store.instruments(resource) if summary.instrument.name == name]
        if not known:
            names = sorted({summary.instrument.name for summary in store.instruments(resource)})
            where = f" from resource '{resource}'" if resource else ""
            raise HTTPException(
                404, f"no metric '{name}'{where} (metrics: {', '.join(names) if names else 'none yet'})"
            )
        if params.flag("watch"):
            return _stream(_watch_metric(name, resource, since_ns), "telemetry-metric-watch")
        instrument = known[0].instrument
        return await _json_off_loop(
            lambda: {
                "instrument": instrument_json(instrument),
                "series": [series_json(item) for item in store.series(name, resource, since_ns)],
            }
        )

    async def _watch_metric(name: str, resource: str | None, since_ns: int | None) -> AsyncIterator[bytes]:
        changes = store.changes()
        cursors: dict[tuple[str, str, str], int] = {}
        newest = since_ns or 0

        def new_points() -> list[dict[str, Any]]:
            nonlocal newest
            found = []
            window = max(0, newest - LATE_POINTS_NS) if newest > (since_ns or 0) else since_ns
            for series in store.series(name, resource, window):
                key = (series.resource, series.replica, attributes_key(series.attributes))
                after = cursors.get(key, since_ns if since_ns is not None else -1)
                points = tuple(point for point in series.points if point.time_ns > after)
                if points:
                    cursors[key] = points[-1].time_ns
                    newest = max(newest, points[-1].time_ns)
                    found.append(series_json(series, points))
                elif key not in cursors:
                    cursors[key] = after
            # A series quiet for longer than the window is not queried again until it reports:
            # its cursor is not needed (every point it sends is newer), so churning series
            # (high-cardinality attributes) do not grow this stream's memory for its lifetime.
            horizon = newest - LATE_POINTS_NS
            for stale in [key for key, seen in cursors.items() if seen < horizon]:
                del cursors[stale]
            return found

        try:
            yield _event("points", {"series": new_points()})
            async for change in changes:
                if not any(
                    instrument == name and (resource is None or owner == resource)
                    for instrument, owner in change.instruments
                ):
                    continue
                found = new_points()
                if found:
                    yield _event("points", {"series": found})
            yield _CLOSING
        finally:
            await _close(changes)

    async def stats(request: Request) -> Response:
        Params(request.query_params, ())
        return JSONResponse(stats_json(store.stats()))

    async def clear(request: Request) -> Response:
        params = Params(request.query_params, ("resource",))
        store.clear(params.text("resource"))
        return JSONResponse({"cleared": True})

    return [
        Route("/v1/telemetry/logs", logs, methods=["GET"]),
        Route("/v1/telemetry/traces", traces, methods=["GET"]),
        Route("/v1/telemetry/traces/{trace_id}", trace, methods=["GET"]),
        Route("/v1/telemetry/spans", spans, methods=["GET"]),
        Route("/v1/telemetry/metrics", metrics, methods=["GET"]),
        Route("/v1/telemetry/metrics/{name:path}", metric, methods=["GET"]),
        Route("/v1/telemetry/stats", stats, methods=["GET"]),
        Route("/v1/telemetry", clear, methods=["DELETE"]),
    ]


async def _json_off_loop(build: Callable[[], object]) -> Response:
    """Query and encode in a worker thread: a page may hold up to 100,000 records, and the app
    host's loop — the controllers, health checks, the control API — must not wait for it (the
    store is safe to read from any thread)."""

    def encode() -> bytes:
        return json.dumps(build(), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()

    return Response(await asyncio.to_thread(encode), media_type="application/json")


async def _first_then(
    changes: AsyncIterator[TelemetryChange], caught_up: bool
) -> AsyncIterator[TelemetryChange | None]:
    """``None`` first (catch up at once) unless already caught up, then every change."""
    if not caught_up:
        yield None
    async for change in changes:
        yield change


async def _close(changes: AsyncIterator[object]) -> None:
    aclose = getattr(changes, "aclose", None)
    if aclose is not None:
        await aclose()
