"""How ``pyspire telemetry …`` prints records for a person: log lines as they would appear in a
terminal, tables for traces, spans and instruments, and a trace as an indented span tree with a
text timeline (``--format json`` prints the API's own records instead)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.markup import escape
from rich.table import Table

from pyspire.cli.output import table
from pyspire.durations import human_duration

#: Colours per severity (a terminal only), and the fixed width the severity column takes.
_SEVERITY_COLOURS = {"trace": "2", "debug": "2", "info": "32", "warn": "33", "error": "31", "fatal": "1;31"}
_SEVERITY_WIDTH = 5
#: Characters of the timeline bar in ``pyspire telemetry trace``.
BAR_WIDTH = 30


def duration(ms: float | None) -> str:
    """``0.42ms``, ``125.3ms``, ``1.25s``, then kubectl's ``3m12s``: precise where it matters."""
    if ms is None:
        return ""
    if ms < 1:
        return f"{ms:.2f}ms"
    if ms < 1000:
        return f"{ms:.1f}ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f}s"
    return human_duration(ms / 1000)


def clock(iso: str | None) -> str:
    """``2026-12-02T05:40:01.123456Z`` → ``2026-12-02 05:40:01.123`` (UTC, as the API gives it)."""
    if not iso:
        return ""
    return iso.replace("T", " ")[:23]


def number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def attribute_text(attributes: Any) -> str:
    """``k=v k2=v2``: attributes on one line (structured values as compact JSON)."""
    if not isinstance(attributes, dict):
        return ""
    return " ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value)}" for key, value in attributes.items()
    )


class LogPrinter:
    """Writes structured log records one line each (flushed, so a pipe or ``--follow`` sees them
    at once): time, severity, sender (the replica when known), body, and the trace it belongs to."""

    def __init__(self) -> None:
        self.colour = sys.stdout.isatty()
        self._width = 0

    def __call__(self, record: dict[str, Any]) -> None:
        sender = record.get("replica") or record["resource"]
        self._width = max(self._width, len(sender))
        level = (record["severity"] if record["severity"] != "unspecified" else "-").upper()
        level = f"{level:<{_SEVERITY_WIDTH}}"
        if self.colour:
            level = f"\x1b[{_SEVERITY_COLOURS.get(record['severity'], '0')}m{level}\x1b[0m"
        parts = [clock(record["time"]), level, f"{sender:<{self._width}}", record["body"]]
        if record.get("trace_id"):
            trace = f"trace={record['trace_id']}"
            parts.append(f"\x1b[2m{trace}\x1b[0m" if self.colour else trace)
        sys.stdout.write("  ".join(parts) + "\n")
        sys.stdout.flush()


def traces_table(summaries: Sequence[dict[str, Any]]) -> Table:
    rows = [
        [
            s["trace_id"],
            clock(s["start"]),
            duration(s.get("duration_ms")),
            escape(s["name"]),
            str(s["span_count"]),
            f"[red]{s.get('error_count')}[/]" if s.get("error_count") else "0",
            escape(", ".join(s.get("resources") or [s["resource"]])),
        ]
        for s in summaries
    ]
    return table(["trace id", "start", "duration", "name", "spans", "errors", "resources"], rows)


def _status(span: dict[str, Any]) -> str:
    status = span.get("status") or "unset"
    if status == "error":
        message = span.get("status_message") or ""
        return "[red]error[/]" + (f" {escape(message)}" if message else "")
    return status


def spans_table(spans: Sequence[dict[str, Any]]) -> Table:
    rows = [
        [
            clock(s.get("start")),
            duration(s.get("duration_ms")),
            escape(s["name"]),
            escape(s.get("replica") or s["resource"]),
            _status(s),
            s["trace_id"],
            s["span_id"],
        ]
        for s in spans
    ]
    return table(["start", "duration", "name", "sender", "status", "trace id", "span id"], rows)


def span_tree(spans: Sequence[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """``(depth, span)`` in tree order: each span under its parent, siblings by start time. A span
    whose parent has not arrived (or never will) is shown as a root, not lost."""
    ids = {span["span_id"] for span in spans}
    children: dict[str, list[dict[str, Any]]] = {}
    roots: list[dict[str, Any]] = []
    for span in sorted(spans, key=lambda s: s["start_ms"]):
        parent = span.get("parent_span_id") or ""
        if parent and parent in ids and parent != span["span_id"]:
            children.setdefault(parent, []).append(span)
        else:
            roots.append(span)
    ordered: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()

    def visit(span: dict[str, Any], depth: int) -> None:
        if span["span_id"] in seen:  # a cycle in what a sender sent: show each span once
            return
        seen.add(span["span_id"])
        ordered.append((depth, span))
        for child in children.get(span["span_id"], []):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    for span in spans:  # anything only reachable through a cycle
        if span["span_id"] not in seen:
            visit(span, 0)
    return ordered


def bar(start_ms: float, duration_ms: float, trace_start_ms: float, trace_ms: float, width: int = BAR_WIDTH) -> str:
    """Where a span lies within its trace, as ``width`` characters: spaces, then at least one █."""
    if trace_ms <= 0:
        return "█" * width
    offset = min(width - 1, max(0, int((start_ms - trace_start_ms) / trace_ms * width)))
    length = max(1, min(width - offset, round(duration_ms / trace_ms * width)))
    return " " * offset + "█" * length + " " * (width - offset - length)


def trace_view(trace: dict[str, Any]) -> tuple[str, Table]:
    """The heading and the span tree of ``pyspire telemetry trace``."""
    spans = trace["spans"]
    start = min((s["start_ms"] for s in spans), default=float(trace.get("start_ms") or 0))
    end = max((s["start_ms"] + float(s.get("duration_ms") or 0) for s in spans), default=start)
    total = max(end - start, float(trace.get("duration_ms") or 0))
    errors = trace.get("error_count") or 0
    heading = (
        f"[bold]{escape(trace['name'])}[/]  trace {trace['trace_id']}  {clock(trace['start'])}  "
        f"{duration(total)}, {len(spans)} span{'s' if len(spans) != 1 else ''}"
        + (f", [red]{errors} error{'s' if errors != 1 else ''}[/]" if errors else "")
    )
    rows = []
    for depth, span in span_tree(spans):
        name = "  " * depth + escape(span["name"])
        failed = span.get("status") == "error"
        timeline = bar(span["start_ms"], float(span.get("duration_ms") or 0), start, total)
        rows.append(
            [
                f"[red]{name} ![/]" if failed else name,
                escape(span.get("replica") or span["resource"]),
                duration(span.get("duration_ms")),
                f"[red]{timeline}[/]" if failed else f"[cyan]{timeline}[/]",
                span["span_id"],
            ]
        )
    return heading, table(["span", "sender", "duration", "timeline", "span id"], rows)


def instruments_table(instruments: Sequence[dict[str, Any]]) -> Table:
    rows = [
        [
            escape(i["name"]),
            i["kind"] + (" (monotonic)" if i.get("monotonic") else ""),
            escape(i.get("unit") or ""),
            escape(i["resource"]),
            str(i.get("series_count", "")),
            str(i.get("point_count", "")),
            escape(i.get("description") or ""),
        ]
        for i in instruments
    ]
    return table(["instrument", "kind", "unit", "resource", "series", "points", "description"], rows)


def latest(point: dict[str, Any] | None, unit: str) -> str:
    """A series' latest value: the number (with its unit), or a histogram's count, sum and mean."""
    if point is None:
        return ""
    if "value" in point:
        return f"{number(point['value'])} {unit}".strip()
    count = point.get("count") or 0
    total = point.get("sum")
    parts = [f"count={count}"]
    if total is not None:
        parts.append(f"sum={number(total)}")
        if count:
            parts.append(f"mean={number(total / count)}")
    for key in ("min", "max"):
        if point.get(key) is not None:
            parts.append(f"{key}={number(point[key])}")
    return " ".join(parts) + (f" {unit}" if unit else "")


def metric_view(metric: dict[str, Any]) -> tuple[str, Table]:
    instrument = metric["instrument"]
    unit = str(instrument.get("unit") or "")
    heading = f"[bold]{escape(str(instrument.get('name', '')))}[/]  {instrument.get('kind', '')}" + (
        f", {escape(unit)}" if unit else ""
    )
    if instrument.get("description"):
        heading += f" — {escape(str(instrument['description']))}"
    rows = []
    for series in metric["series"]:
        points = series["points"]
        last = points[-1] if points else None
        rows.append(
            [
                escape(series.get("replica") or series["resource"]),
                escape(attribute_text(series.get("attributes"))),
                escape(latest(last, unit)),
                str(len(points)),
                clock_ms(last.get("time_ms") if last else None),
            ]
        )
    return heading, table(["sender", "attributes", "latest", "points", "at"], rows)


def clock_ms(time_ms: float | None) -> str:
    """Milliseconds since the epoch as ``2026-12-02 05:40:01.123`` (UTC)."""
    if time_ms is None:
        return ""
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:23]
