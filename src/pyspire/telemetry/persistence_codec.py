"""Records to and from the JSON text the SQLite file keeps (exact round trip: arrays come back
as tuples, as the decoder made them)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from pyspire.telemetry.records import (
    Attributes,
    AttributeValue,
    HistogramValue,
    Instrument,
    LogEntry,
    MetricPoint,
    Origin,
    Span,
    SpanEvent,
    SpanLink,
)


def _default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def encode(record: Span | LogEntry | MetricPoint) -> str:
    return json.dumps(dataclasses.asdict(record), separators=(",", ":"), default=_default)


def _value(raw: Any) -> AttributeValue:
    if isinstance(raw, list):
        return tuple(_value(item) for item in raw)
    if isinstance(raw, dict):
        return {key: _value(item) for key, item in raw.items()}
    return raw  # type: ignore[no-any-return]


def _attributes(raw: Any) -> Attributes:
    return {key: _value(item) for key, item in (raw or {}).items()}


def _origin(raw: Mapping[str, Any]) -> Origin:
    return Origin(
        resource=raw["resource"],
        replica=raw["replica"],
        service_name=raw["service_name"],
        instance_id=raw["instance_id"],
        known=raw["known"],
        attributes=_attributes(raw.get("attributes")),
    )


def decode_span(text: str) -> Span:
    raw = json.loads(text)
    return Span(
        trace_id=raw["trace_id"],
        span_id=raw["span_id"],
        parent_span_id=raw["parent_span_id"],
        name=raw["name"],
        kind=raw["kind"],
        start_ns=raw["start_ns"],
        end_ns=raw["end_ns"],
        status=raw["status"],
        status_message=raw["status_message"],
        attributes=_attributes(raw["attributes"]),
        events=tuple(SpanEvent(e["name"], e["time_ns"], _attributes(e["attributes"])) for e in raw["events"]),
        links=tuple(SpanLink(k["trace_id"], k["span_id"], _attributes(k["attributes"])) for k in raw["links"]),
        scope=raw["scope"],
        origin=_origin(raw["origin"]),
        dropped_attributes=raw.get("dropped_attributes", 0),
    )


def decode_log(text: str) -> LogEntry:
    raw = json.loads(text)
    return LogEntry(
        time_ns=raw["time_ns"],
        severity=raw["severity"],
        severity_number=raw["severity_number"],
        severity_text=raw["severity_text"],
        body=raw["body"],
        attributes=_attributes(raw["attributes"]),
        trace_id=raw["trace_id"],
        span_id=raw["span_id"],
        scope=raw["scope"],
        origin=_origin(raw["origin"]),
        dropped_attributes=raw.get("dropped_attributes", 0),
        id=raw["id"],
    )


def decode_point(text: str) -> MetricPoint:
    raw = json.loads(text)
    histogram = raw["histogram"]
    return MetricPoint(
        instrument=Instrument(**raw["instrument"]),
        attributes=_attributes(raw["attributes"]),
        time_ns=raw["time_ns"],
        start_ns=raw["start_ns"],
        value=raw["value"],
        histogram=None
        if histogram is None
        else HistogramValue(
            count=histogram["count"],
            sum=histogram["sum"],
            bounds=tuple(histogram["bounds"]),
            bucket_counts=tuple(histogram["bucket_counts"]),
            min=histogram["min"],
            max=histogram["max"],
        ),
        scope=raw["scope"],
        origin=_origin(raw["origin"]),
    )
