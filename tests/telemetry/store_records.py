"""Records built in tests, as the receiver would decode them (the store's tests and the read
API's feed these in directly)."""

from __future__ import annotations

import itertools

from pyspire.telemetry.records import (
    Attributes,
    HistogramValue,
    Instrument,
    LogEntry,
    MetricPoint,
    Origin,
    Severity,
    Span,
    SpanEvent,
    SpanStatus,
)

BASE_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z
_ids = itertools.count(1)


def origin(resource: str = "api", replica: str = "") -> Origin:
    replica = replica or f"{resource}-abc123"
    return Origin(resource, replica, resource, replica.rsplit("-", 1)[-1], True, {"service.name": resource})


def log(
    body: str = "hello",
    *,
    resource: str = "api",
    severity: Severity = "info",
    trace_id: str = "",
    attributes: Attributes | None = None,
    time_ns: int | None = None,
) -> LogEntry:
    number = {"trace": 1, "debug": 5, "info": 9, "warn": 13, "error": 17, "fatal": 21}.get(severity, 0)
    return LogEntry(
        time_ns=BASE_NS + next(_ids) * 1000 if time_ns is None else time_ns,
        severity=severity,
        severity_number=number,
        severity_text=severity.upper(),
        body=body,
        attributes=attributes or {},
        trace_id=trace_id,
        span_id="",
        scope="tests",
        origin=origin(resource),
    )


def trace_id(n: int) -> str:
    return f"{n:032x}"


def span(
    trace: int,
    n: int,
    *,
    parent: int | None = None,
    name: str = "",
    resource: str = "api",
    start_ms: float = 0.0,
    duration_ms: float = 10.0,
    status: SpanStatus = "unset",
    attributes: Attributes | None = None,
) -> Span:
    start = BASE_NS + int(start_ms * 1_000_000)
    return Span(
        trace_id=trace_id(trace),
        span_id=f"{trace:08x}{n:08x}",
        parent_span_id="" if parent is None else f"{trace:08x}{parent:08x}",
        name=name or f"span {n}",
        kind="server",
        start_ns=start,
        end_ns=start + int(duration_ms * 1_000_000),
        status=status,
        status_message="boom" if status == "error" else "",
        attributes=attributes or {},
        events=(SpanEvent("checkpoint", start + 1000, {"step": 1}),),
        links=(),
        scope="tests",
        origin=origin(resource),
    )


REQUESTS = Instrument("http.requests", "Requests served", "{request}", "sum", monotonic=True, temporality="cumulative")
LATENCY = Instrument("http.duration", "Request time", "ms", "histogram", temporality="cumulative")


def point(
    value: float, *, at_ms: float, resource: str = "api", route: str = "/orders", instrument: Instrument = REQUESTS
) -> MetricPoint:
    histogram = None
    if instrument.kind == "histogram":
        histogram = HistogramValue(count=int(value), sum=value * 3, bounds=(10.0, 100.0), bucket_counts=(1, 2, 0))
    return MetricPoint(
        instrument=instrument,
        attributes={"http.route": route},
        time_ns=BASE_NS + int(at_ms * 1_000_000),
        start_ns=BASE_NS,
        value=None if histogram else value,
        histogram=histogram,
        scope="tests",
        origin=origin(resource),
    )
