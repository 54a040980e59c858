"""The telemetry pyspire keeps: spans, log records and metric points, decoded from OTLP.

These are the one vocabulary between the receiver (which decodes OTLP into them, on its own
thread), the store (which bounds, indexes and optionally persists them) and the read API (which
turns them into JSON). Ids are lowercase hex strings (OTLP/JSON's encoding, not base64); times
are nanoseconds since the epoch, as in OTLP. Records are immutable once stored: the store hands
the same objects to every reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

#: An attribute value as OTLP's AnyValue allows it (arrays and maps nested, bytes as hex).
AttributeValue: TypeAlias = "str | bool | int | float | tuple[AttributeValue, ...] | Mapping[str, AttributeValue] | None"
Attributes: TypeAlias = Mapping[str, AttributeValue]

SpanKind = Literal["unspecified", "internal", "server", "client", "producer", "consumer"]
SpanStatus = Literal["unset", "ok", "error"]
#: OTLP severity numbers 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal.
Severity = Literal["unspecified", "trace", "debug", "info", "warn", "error", "fatal"]
MetricKind = Literal["gauge", "sum", "histogram", "exponential_histogram", "summary"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Who sent it: the pyspire resource and replica, matched from the OTLP resource's
    ``service.name`` (the resource's name, from ``OTEL_SERVICE_NAME``) and ``service.instance.id``
    (the replica's suffix). A sender pyspire does not run keeps its ``service.name`` as
    ``resource`` and ``known`` is False."""

    resource: str
    #: The replica's name (``<resource>-<suffix>``), or "" when the sender gave no instance id.
    replica: str
    service_name: str
    instance_id: str
    known: bool
    #: The OTLP resource's attributes (service.*, telemetry.sdk.*, process.*), limits applied.
    attributes: Attributes = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpanEvent:
    name: str
    time_ns: int
    attributes: Attributes = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpanLink:
    trace_id: str
    span_id: str
    attributes: Attributes = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Span:
    trace_id: str
    span_id: str
    #: "" for a root span.
    parent_span_id: str
    name: str
    kind: SpanKind
    start_ns: int
    end_ns: int
    status: SpanStatus
    status_message: str
    attributes: Attributes
    events: tuple[SpanEvent, ...]
    links: tuple[SpanLink, ...]
    #: The instrumentation scope's name (e.g. ``opentelemetry.instrumentation.fastapi``).
    scope: str
    origin: Origin
    #: How many attributes/events/links the limits (or the sender) dropped.
    dropped_attributes: int = 0

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


@dataclass(frozen=True, slots=True)
class LogEntry:
    #: The record's time (its ``time_unix_nano``, else its observed time).
    time_ns: int
    severity: Severity
    severity_number: int
    #: The sender's own name for the level ("WARNING"), "" when it gave none.
    severity_text: str
    #: The body as text (a structured body as compact JSON).
    body: str
    attributes: Attributes
    #: "" when the record is not tied to a span.
    trace_id: str
    span_id: str
    scope: str
    origin: Origin
    dropped_attributes: int = 0
    #: Assigned by the store: increasing in arrival order, a cursor for paging and live streams.
    id: int = 0


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str
    description: str
    unit: str
    kind: MetricKind
    #: For sums: monotonic (a counter) or not (an up-down counter).
    monotonic: bool = False
    #: "cumulative" or "delta" for sums and histograms, "" otherwise.
    temporality: str = ""


@dataclass(frozen=True, slots=True)
class HistogramValue:
    count: int
    sum: float | None
    #: Explicit bucket bounds (len(bucket_counts) == len(bounds) + 1); for an exponential
    #: histogram the decoder converts its buckets to explicit bounds.
    bounds: tuple[float, ...]
    bucket_counts: tuple[int, ...]
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class MetricPoint:
    instrument: Instrument
    #: The point's attributes: together with the instrument and origin they name its series.
    attributes: Attributes
    time_ns: int
    start_ns: int
    #: Gauges and sums (a summary's sum); None for histograms.
    value: float | None
    histogram: HistogramValue | None
    scope: str
    origin: Origin
