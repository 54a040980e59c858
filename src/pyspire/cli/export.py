"""``pyspire export``: everything a running app host knows, in one zip to attach to a bug report.

The zip holds ``resources.json`` (the snapshots), ``logs/<resource>.txt`` (each resource's console
output) and ``telemetry/logs.json``, ``traces.json`` (every trace with its spans) and
``metrics.json`` (every instrument with its series). All of it comes through the control API,
which masks the run's secrets, so the zip holds nothing ``pyspire describe`` would not show.

It is written to a temp file beside the target and renamed into place once complete: an export
interrupted (Ctrl+C, the app host stopping) leaves no half zip under the name asked for.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from pyspire.cli.client import ApiError, AppHostClient
from pyspire.cli.output import APPHOST_OPTION, fail, out, progress, table
from pyspire.cli.session import api_errors, connect
from pyspire.cli.telemetry_api import TelemetryApi
from pyspire.cli.telemetry_filters import Params

#: Records asked for per request while paging through the store.
PAGE = 1000
#: Spans asked for in one request (the read API's largest ``limit``).
SPANS_AT_ONCE = 100_000


def _all_logs(api: TelemetryApi) -> list[dict[str, Any]]:
    """Every stored log record, oldest first: pages of the newest, walking back with ``before``."""
    pages: list[list[dict[str, Any]]] = []
    params: Params = {"limit": str(PAGE)}
    while True:
        page = api.logs(params)
        if not page:
            break
        pages.append(page)
        oldest = min(record["id"] for record in page)
        params = {"limit": str(PAGE), "before": str(oldest)}
    return [record for page in reversed(pages) for record in page]


def _all_traces(api: TelemetryApi) -> list[dict[str, Any]]:
    """Every stored trace with its spans, oldest first. The list is paged back with ``before_ms``
    (newest first); the spans come in one request when they all fit in one answer (a trace as
    ``GET /v1/telemetry/traces/{id}`` gives it: the summary and its spans by start), else each
    trace is read whole — 4 ms a trace, where one request for every span takes well under a
    second. A trace evicted meanwhile is left out."""
    seen: dict[str, dict[str, Any]] = {}
    params: Params = {"limit": str(PAGE)}
    while True:
        page = [s for s in api.traces(params) if s["trace_id"] not in seen]
        if not page:
            break
        for summary in page:
            seen[summary["trace_id"]] = summary
        oldest = min(float(s.get("start_ms") or 0) for s in page)
        params = {"limit": str(PAGE), "before_ms": repr(oldest)}
    summaries = sorted(seen.values(), key=lambda s: float(s.get("start_ms") or 0))
    grouped = _spans_by_trace(api)
    if grouped is not None:
        return [{**s, "spans": grouped[s["trace_id"]]} for s in summaries if s["trace_id"] in grouped]
    traces = []
    for summary in summaries:
        try:
            traces.append(api.trace(summary["trace_id"]))
        except ApiError as exc:  # a trace evicted since the listing is left out; nothing else
            if exc.status != 404:
                raise
    return traces


def _spans_by_trace(api: TelemetryApi) -> dict[str, list[dict[str, Any]]] | None:
    """Every stored span, by trace (each trace's by start), or None when they do not all fit in
    one answer (or this app host caps a request lower)."""
    try:
        spans = api.spans({"limit": str(SPANS_AT_ONCE)})
    except ApiError as exc:
        if exc.status != 400:
            raise
        return None
    if len(spans) >= SPANS_AT_ONCE:
        return None
    grouped: dict[str, list[dict[str, Any]]] = {}
    for span in sorted(spans, key=lambda s: float(s["start_ms"])):
        grouped.setdefault(span["trace_id"], []).append(span)
    return grouped


def _all_metrics(api: TelemetryApi) -> list[dict[str, Any]]:
    """Every instrument with all its series (one entry per instrument name)."""
    names = sorted({instrument["name"] for instrument in api.instruments({})})
    return [api.metric(name, {}) for name in names]


def _console_log(client: AppHostClient, resource: str) -> Iterator[str]:
    for line in client.logs(resource, None, None, False):
        yield f"{line['timestamp']} {line['replica']} [{line['stream']}] {line['text']}\n"


def _default_path(client: AppHostClient) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"pyspire-export-{client.host.app_dir.name or 'app'}-{stamp}.zip"


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()  # compact: 10,000 traces dump in half the time


def _write(zip_path: Path, client: AppHostClient) -> tuple[list[tuple[str, int]], bool]:
    """Write the export into ``zip_path`` (a temp file); returns each entry's name and size, and
    whether the app host keeps telemetry."""
    written: list[tuple[str, int]] = []
    api = TelemetryApi(client)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            written.append((name, len(data)))

        snapshots = client.resources()
        put("resources.json", _json_bytes(snapshots))
        for snapshot in snapshots:
            name = snapshot["name"]
            entry = f"logs/{name}.txt"
            with archive.open(entry, "w") as text:  # streamed: a console log can be large
                size = 0
                for line in _console_log(client, name):
                    data = line.encode()
                    text.write(data)
                    size += len(data)
            written.append((entry, size))
        telemetry = api.enabled()
        if telemetry:
            put("telemetry/logs.json", _json_bytes(_all_logs(api)))
            put("telemetry/traces.json", _json_bytes(_all_traces(api)))
            put("telemetry/metrics.json", _json_bytes(_all_metrics(api)))
    return written, telemetry


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


@click.command()
@click.option(
    "-o", "--output", metavar="FILE.zip", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Where to write the zip (default: pyspire-export-<app>-<time>.zip here).",
)
@APPHOST_OPTION
def export(output: Path | None, apphost: str | None) -> None:
    """Write the resources, their console logs and the telemetry into one zip (secrets masked)."""
    chosen = output.expanduser().resolve() if output else None
    if chosen is not None and not chosen.parent.is_dir():
        fail(f"-o {output}: the folder {chosen.parent} does not exist; create it or choose another", 2)
    with api_errors(), connect(apphost) as client:
        target = chosen or _default_path(client)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with progress(f"exporting {client.host.app_host}…"):
                written, telemetry = _write(temp, client)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
    console = out()
    rows = [[escape(name), _size(size)] for name, size in written]
    console.print(table(["file", "size"], rows))
    if not telemetry:
        console.print("no telemetry in the export: the app host keeps none (PYSPIRE_TELEMETRY=0)")
    console.print(f"wrote {escape(str(target))} ({_size(target.stat().st_size)}, {len(written)} files)")
