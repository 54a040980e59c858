"""Records to and from the JSON text the SQLite file keeps (exact round trip: arrays come back
as tuples, as the decoder made them). A record's origin is kept apart (one row per sender, see
:mod:`persistence`): it is the same for thousands of records, and sharing it keeps the file small,
loading fast and the loaded records sharing one object, as the receiver's do."""

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


def _dumps(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), default=_default)


def encode_origin(origin: Origin) -> str:
    return _dumps(_origin_data(origin))


def decode_origin(text: str) -> Origin:
    return _origin(json.loads(text))


def _origin_data(origin: Origin) -> dict[str, Any]:
    return {
        "resource": origin.resource,
        "replica": origin.replica,
        "service_name": origin.service_name,
        "instance_id": origin.instance_id,
        "known": origin.known,
        "attributes": origin.attributes,
    }


def encode(record: Span | LogEntry | MetricPoint) -> str:
    """By hand, not ``dataclasses.asdict`` (which deep-copies every value: several times slower
    on the writer thread, which must keep up with ingestion)."""
    if isinstance(record, Span):
        return _dumps(
            {
                "trace_id": record.trace_id,
                "span_id": record.span_id,
                "parent_span_id": record.parent_span_id,
                "name": record.name,
                "kind": record.kind,
                "start_ns": record.start_ns,
                "end_ns": record.end_ns,
                "status": record.status,
                "status_message": record.status_message,
                "attributes": record.attributes,
                "events": [{"name": e.name, "time_ns": e.time_ns, "attributes": e.attributes} for e in record.events],
                "links": [{"trace_id": k.trace_id, "span_id": k.span_id, "attributes": k.attributes} for k in record.links],
                "scope": record.scope,
                "dropped_attributes": record.dropped_attributes,
            }
        )
    if isinstance(record, LogEntry):
        return _dumps(
            {
                "time_ns": record.time_ns,
                "severity": record.severity,
                "severity_number": record.severity_number,
                "severity_text": record.severity_text,
                "body": record.body,
                "attributes": record.attributes,
                "trace_id": record.trace_id,
                "span_id": record.span_id,
                "scope": record.scope,
                "dropped_attributes": record.dropped_attributes,
                "id": record.id,
            }
        )
    histogram = record.histogram
    return _dumps(
        {
            "instrument": dataclasses.asdict(record.instrument),
            "attributes": record.attributes,
            "time_ns": record.time_ns,
            "start_ns": record.start_ns,
            "value": record.value,
            "histogram": None if histogram is None else dataclasses.asdict(histogram),
            "scope": record.scope,
        }
    )


def _value(raw: Any) -> AttributeValue:
    if isinstance(raw, list):
        return tuple(_value(item) for item in raw)
    if isinstance(raw, dict):
        return {key: _value(item) for key, item in raw.items()}
    return raw  # type: ignore[no-any-return]


def _attributes(raw: Any) -> Attributes:
    if not raw:
        return {}
    for item in raw.values():
        if isinstance(item, list | dict):
            return {key: _value(item) for key, item in raw.items()}
    return raw  # type: ignore[no-any-return]  # flat (the usual case): already right


def _origin(raw: Mapping[str, Any]) -> Origin:
    return Origin(
        resource=raw["resource"],
        replica=raw["replica"],
        service_name=raw["service_name"],
        instance_id=raw["instance_id"],
        known=raw["known"],
        attributes=_attributes(raw.get("attributes")),
    )


def decode_span(text: str, origin: Origin) -> Span:
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
        origin=origin,
        dropped_attributes=raw.get("dropped_attributes", 0),
    )


def decode_log(text: str, origin: Origin) -> LogEntry:
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
        origin=origin,
        dropped_attributes=raw.get("dropped_attributes", 0),
        id=raw["id"],
    )


def decode_point(text: str, origin: Origin) -> MetricPoint:
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
        origin=origin,
    )
