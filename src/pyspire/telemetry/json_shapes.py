"""Telemetry records as the read API's JSON (docs/telemetry.md): snake_case keys, ids in hex,
times as ISO 8601 UTC with microseconds plus float milliseconds (a JS number cannot hold
nanoseconds since the epoch)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from pyspire.telemetry.queries import (
    InstrumentSummary,
    KindStats,
    MetricSeries,
    TelemetryStats,
    Trace,
    TraceSummary,
)
from pyspire.telemetry.records import Attributes, Instrument, LogEntry, MetricPoint, Span

JsonObject = dict[str, Any]


def iso(time_ns: int) -> str:
    seconds, rest = divmod(time_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest // 1000:06d}Z"


def ms(time_ns: int) -> float:
    return time_ns / 1_000_000


def _value(value: object) -> Any:
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _value(item) for key, item in value.items()}
    return value


def attributes_json(attributes: Attributes | Mapping[str, object]) -> JsonObject:
    return {key: _value(value) for key, value in attributes.items()}


def span_json(span: Span) -> JsonObject:
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "name": span.name,
        "kind": span.kind,
        "start": iso(span.start_ns),
        "start_ms": ms(span.start_ns),
        "duration_ms": ms(span.duration_ns),
        "status": span.status,
        "status_message": span.status_message,
        "resource": span.origin.resource,
        "replica": span.origin.replica,
        "scope": span.scope,
        "attributes": attributes_json(span.attributes),
        "events": [
            {"name": event.name, "time_ms": ms(event.time_ns), "attributes": attributes_json(event.attributes)}
            for event in span.events
        ],
        "links": [
            {"trace_id": link.trace_id, "span_id": link.span_id, "attributes": attributes_json(link.attributes)}
            for link in span.links
        ],
    }


def log_json(entry: LogEntry) -> JsonObject:
    return {
        "id": entry.id,
        "time": iso(entry.time_ns),
        "time_ms": ms(entry.time_ns),
        "severity": entry.severity,
        "severity_number": entry.severity_number,
        "severity_text": entry.severity_text,
        "body": entry.body,
        "attributes": attributes_json(entry.attributes),
        "trace_id": entry.trace_id,
        "span_id": entry.span_id,
        "resource": entry.origin.resource,
        "replica": entry.origin.replica,
        "scope": entry.scope,
    }


def summary_json(summary: TraceSummary) -> JsonObject:
    return {
        "trace_id": summary.trace_id,
        "name": summary.name,
        "resource": summary.resource,
        "start": iso(summary.start_ns),
        "start_ms": ms(summary.start_ns),
        "duration_ms": ms(summary.duration_ns),
        "span_count": summary.span_count,
        "error_count": summary.error_count,
        "resources": list(summary.resources),
    }


def trace_json(trace: Trace) -> JsonObject:
    return {**summary_json(trace.summary), "spans": [span_json(span) for span in trace.spans]}


def instrument_json(instrument: Instrument) -> JsonObject:
    return {
        "name": instrument.name,
        "description": instrument.description,
        "unit": instrument.unit,
        "kind": instrument.kind,
        "monotonic": instrument.monotonic,
        "temporality": instrument.temporality,
    }


def instrument_summary_json(summary: InstrumentSummary) -> JsonObject:
    return {
        **instrument_json(summary.instrument),
        "resource": summary.resource,
        "scope": summary.scope,
        "series_count": summary.series_count,
        "point_count": summary.point_count,
        "last_ms": ms(summary.last_time_ns),
    }


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity (a gauge can report them): null instead."""
    return value if value is None or math.isfinite(value) else None


def point_json(point: MetricPoint) -> JsonObject:
    histogram = point.histogram
    if histogram is None:
        return {"time_ms": ms(point.time_ns), "value": _finite(point.value)}
    return {
        "time_ms": ms(point.time_ns),
        "count": histogram.count,
        "sum": _finite(histogram.sum),
        "min": _finite(histogram.min),
        "max": _finite(histogram.max),
        "bounds": list(histogram.bounds),
        "bucket_counts": list(histogram.bucket_counts),
    }


def series_json(series: MetricSeries, points: tuple[MetricPoint, ...] | None = None) -> JsonObject:
    return {
        "resource": series.resource,
        "replica": series.replica,
        "attributes": attributes_json(series.attributes),
        "points": [point_json(point) for point in (series.points if points is None else points)],
    }


def _kind(stats: KindStats) -> JsonObject:
    return {"stored": stats.stored, "limit": stats.limit, "evicted": stats.evicted, "dropped": stats.dropped}


def stats_json(stats: TelemetryStats) -> JsonObject:
    return {
        "logs": _kind(stats.logs),
        "spans": _kind(stats.spans),
        "traces": _kind(stats.traces),
        "metric_points": _kind(stats.metric_points),
        "resources": {name: dict(counts) for name, counts in stats.resources.items()},
        "persisted": stats.persisted,
    }
