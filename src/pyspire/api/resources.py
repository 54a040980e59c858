"""The resource API (``/v1``): what the CLI and the dashboard read and do.

- ``GET /v1/info``: who this app host is, where its API is, how many resources are in each state.
- ``GET /v1/resources``: every resource snapshot; ``?watch=1`` streams them as Server-Sent Events
  (the current ones, a ``synced`` event, then every change; ``&resource=x`` for one resource).
- ``GET /v1/resources/{name}``: one snapshot.
- ``GET /v1/resources/{name}/logs`` and ``GET /v1/logs`` (every resource, interleaved):
  ``tail``, ``follow``, ``timestamps``, ``replica``; newline-delimited JSON when the client
  accepts ``application/x-ndjson`` (or ``format=ndjson``), plain text otherwise.
- ``POST /v1/resources/{name}/commands/{command}``: run start / stop / restart or a custom
  command; answers its result (and the snapshot after it). Arguments the command does not
  declare, or a required one left out, are 400 (the command does not run).
- ``POST /v1/stop``: stop the app host.
- ``PUT /v1/parameters/{name}``: supply a parameter's value (:mod:`pyspire.api.parameters`).

Query parameters are checked (:mod:`pyspire.api.queries`): a bad value or one a route does not
take is 400. A method a route does not serve is 405 with an ``Allow`` header.

Snapshots are masked and logs redacted before they get here, so nothing served can carry a secret.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pyspire.api.context import ApiContext
from pyspire.api.queries import LIST_QUERIES, LOG_QUERIES, RESOURCE_LOG_QUERIES, parsed
from pyspire.api.streams import LiveStream
from pyspire.executor.snapshots import ResourceSnapshot
from pyspire.model.command_arguments import CommandArgumentError
from pyspire.orchestrator.logs import LogLine

KEEPALIVE_SECONDS = 15.0
NDJSON = "application/x-ndjson"


def snapshot_json(snapshot: ResourceSnapshot) -> dict[str, Any]:
    data = snapshot.to_dict()
    data["properties"] = dict(snapshot.properties)
    return data


def resource_or_404(context: ApiContext, name: str) -> ResourceSnapshot:
    try:
        return context.executor.snapshots.get(name)
    except KeyError:
        known = ", ".join(s.name for s in context.executor.snapshots.all())
        raise HTTPException(404, f"no resource named '{name}' (resources: {known})") from None


def resource_routes(context: ApiContext) -> list[BaseRoute]:
    hub = context.executor.snapshots
    logs = context.orchestrator.logs

    async def info(request: Request) -> Response:
        parsed(request)
        snapshots = hub.all()
        return JSONResponse(
            {
                **context.info.__dict__,
                "urls": context.urls,
                "resources": {
                    "total": len(snapshots),
                    "states": dict(Counter(s.state for s in snapshots)),
                },
            }
        )

    async def list_resources(request: Request) -> Response:
        query = parsed(request, LIST_QUERIES)
        only = query.get("resource")
        if query.get("watch"):
            if only:
                resource_or_404(context, only)
            return LiveStream(
                _sse(only),
                context.closing,
                media_type="text/event-stream",
                headers=_NO_BUFFERING,
                idle=KEEPALIVE_SECONDS,
                keepalive=b": keep-alive\n\n",
                farewell=_event("closing", {"message": "the app host is stopping"}),
                name="snapshot-watch",
            )
        if only:
            raise HTTPException(400, f"'resource' filters a watch (watch=1); for one snapshot: GET /v1/resources/{only}")
        snapshots = hub.all()
        version = max((s.version for s in snapshots), default=0)
        return JSONResponse({"version": version, "resources": [snapshot_json(s) for s in snapshots]})

    async def _sse(only: str | None) -> AsyncIterator[bytes]:
        # Registered now: no change falls between current and later. A client that stops reading
        # holds at most one pending snapshot per resource (the hub's policy).
        async with hub.subscribe(only) as subscription:
            current = subscription.current
            for snapshot in current:
                yield _event("snapshot", snapshot_json(snapshot), snapshot.version)
            yield _event("synced", {"version": max((s.version for s in current), default=0)})
            async for item in subscription:
                yield _event("snapshot", snapshot_json(item), item.version)

    async def get_resource(request: Request) -> Response:
        parsed(request)
        return JSONResponse(snapshot_json(resource_or_404(context, request.path_params["name"])))

    async def resource_logs(request: Request) -> Response:
        query = parsed(request, RESOURCE_LOG_QUERIES)
        name = request.path_params["name"]
        snapshot = resource_or_404(context, name)
        replica = query.get("replica")
        if replica is not None:
            replica = _replica_name(snapshot, replica)
        return _logs_response(request, query, name, replica)

    async def all_logs(request: Request) -> Response:
        return _logs_response(request, parsed(request, LOG_QUERIES), None, None)

    def _logs_response(
        request: Request, query: dict[str, Any], resource: str | None, replica: str | None
    ) -> Response:
        tail: int | None = query.get("tail")
        follow = bool(query.get("follow"))
        stamps = bool(query.get("timestamps"))
        wanted = query.get("format")
        as_json = wanted == "ndjson" or (wanted is None and NDJSON in request.headers.get("accept", ""))
        render = _json_line if as_json else (lambda line: _text_line(line, stamps, resource is None))
        media = NDJSON if as_json else "text/plain; charset=utf-8"
        if not follow:
            lines = logs.lines(resource, replica, tail) if resource else logs.all_lines(tail)
            return Response(b"".join(render(line) for line in lines), media_type=media)

        async def stream() -> AsyncIterator[bytes]:
            backlog = -1 if tail is None else tail
            async for lines in logs.follow_batches(resource, replica, tail=backlog):
                yield b"".join(render(line) for line in lines)

        return LiveStream(
            stream(),
            context.closing,
            media_type=media,
            headers=_NO_BUFFERING,
            idle=KEEPALIVE_SECONDS,
            keepalive=b"\n" if as_json else b"",  # an empty line, skipped by NDJSON readers
            name="log-follow",
        )

    async def command(request: Request) -> Response:
        parsed(request)
        name, command_name = request.path_params["name"], request.path_params["command"]
        snapshot = resource_or_404(context, name)
        if command_name not in {c.name for c in snapshot.commands}:
            available = ", ".join(c.name for c in snapshot.commands) or "none"
            raise HTTPException(
                404, f"resource '{name}' has no command '{command_name}' (available: {available})"
            )
        arguments = await command_arguments(request)
        try:
            result = await context.executor.execute_command(name, command_name, arguments)
        except CommandArgumentError as e:  # the caller's arguments, refused before the command ran
            raise HTTPException(400, str(e)) from None
        return JSONResponse(
            {
                "resource": name,
                "command": command_name,
                "success": result.success,
                "message": result.message,
                "snapshot": snapshot_json(hub.get(name)),
            }
        )

    async def stop(request: Request) -> Response:
        parsed(request)
        context.request_stop()
        return JSONResponse({"stopping": True, "pid": context.info.pid}, status_code=202)

    return [
        Route("/v1/info", info, methods=["GET"]),
        Route("/v1/resources", list_resources, methods=["GET"]),
        Route("/v1/resources/{name}", get_resource, methods=["GET"]),
        Route("/v1/resources/{name}/logs", resource_logs, methods=["GET"]),
        Route("/v1/logs", all_logs, methods=["GET"]),
        Route("/v1/resources/{name}/commands/{command}", command, methods=["POST"]),
        Route("/v1/stop", stop, methods=["POST"]),
    ]


async def command_arguments(request: Request) -> dict[str, str]:
    """The optional body ``{"arguments": {"region": "eu-west-2"}}``: text keys and values only."""
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise HTTPException(400, "the command's body is not JSON: send {\"arguments\": {\"key\": \"value\"}}") from None
    arguments = data.get("arguments", {}) if isinstance(data, dict) else None
    if not isinstance(arguments, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in arguments.items()):
        raise HTTPException(400, "'arguments' must map names to text: {\"arguments\": {\"region\": \"eu-west-2\"}}")
    return arguments


_NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _event(kind: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _replica_name(snapshot: ResourceSnapshot, wanted: str) -> str:
    for replica in snapshot.replicas:
        if wanted in (replica.name, replica.suffix):
            return replica.name
    known = ", ".join(r.name for r in snapshot.replicas) or "none right now"
    raise HTTPException(404, f"resource '{snapshot.name}' has no replica '{wanted}' (replicas: {known})")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _json_line(line: LogLine) -> bytes:
    record = {
        "resource": line.resource,
        "replica": line.replica,
        "stream": line.stream,
        "timestamp": _iso(line.timestamp),
        "text": line.text,
    }
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _text_line(line: LogLine, timestamps: bool, prefixed: bool) -> bytes:
    parts = []
    if timestamps:
        parts.append(_iso(line.timestamp))
    if prefixed:
        parts.append(f"{line.replica} |")
    parts.append(line.text)
    return (" ".join(parts) + "\n").encode()
