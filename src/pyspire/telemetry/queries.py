"""What the read side asks the telemetry store, and what it answers.

The receiver writes through :class:`TelemetrySink` (from its own thread); the read API, the CLI
behind it and the dashboard behind that read through :class:`TelemetryStore`. Filters left at
None match everything. Text filters are case-insensitive substrings; attribute filters compare
the attribute's value as text (``http.route=/orders``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pyspire.telemetry.records import Instrument, LogEntry, MetricPoint, Severity, Span, SpanStatus


@dataclass(frozen=True)
class LogQuery:
    resource: str | None = None
    replica: str | None = None
    #: This severity and above.
    min_severity: Severity | None = None
    text: str | None = None
    trace_id: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    #: Only records with a larger id (newer): how a client pages forward and follows.
    after_id: int | None = None
    #: Only records with a smaller id (older): how a client pages back.
    before_id: int | None = None
    #: The newest ``limit`` that match, returned oldest first — except with ``after_id`` alone:
    #: then the oldest ``limit`` after it, so a client paging forward misses nothing.
    limit: int = 200


@dataclass(frozen=True)
class TraceQuery:
    #: Traces with at least one span from this resource.
    resource: str | None = None
    #: Matches any span's name.
    text: str | None = None
    min_duration_ns: int | None = None
    max_duration_ns: int | None = None
    #: "error": traces with an error span; "ok"/"unset": traces without one.
    status: SpanStatus | None = None
    #: Traces with a span carrying these attributes.
    attributes: Mapping[str, str] = field(default_factory=dict)
    #: Traces that started before this time (paging back through the list).
    before_ns: int | None = None
    #: The newest ``limit`` that match, newest first.
    limit: int = 100
    #: Only these traces (what a live trace list re-reads after a change); None: any.
    trace_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class SpanQuery:
    resource: str | None = None
    trace_id: str | None = None
    name: str | None = None
    status: SpanStatus | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    min_duration_ns: int | None = None
    limit: int = 200


@dataclass(frozen=True)
class TraceSummary:
    trace_id: str
    #: The root span's name, or the earliest span's while the root has not arrived.
    name: str
    #: The resource of that span.
    resource: str
    start_ns: int
    end_ns: int
    span_count: int
    error_count: int
    #: Every resource with a span in the trace, in order of first appearance.
    resources: tuple[str, ...]

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


@dataclass(frozen=True)
class Trace:
    summary: TraceSummary
    #: Ordered by start time; parents are found through ``parent_span_id``.
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class InstrumentSummary:
    instrument: Instrument
    resource: str
    scope: str
    series_count: int
    point_count: int
    last_time_ns: int


@dataclass(frozen=True)
class MetricSeries:
    instrument: Instrument
    resource: str
    replica: str
    attributes: Mapping[str, object]
    #: Oldest first.
    points: tuple[MetricPoint, ...]


@dataclass(frozen=True)
class KindStats:
    stored: int
    limit: int
    #: Evicted (oldest first) to stay within ``limit``, since the run started.
    evicted: int
    #: Refused before storing (the receiver's queue was full), since the run started.
    dropped: int = 0


@dataclass(frozen=True)
class TelemetryStats:
    logs: KindStats
    spans: KindStats
    traces: KindStats
    metric_points: KindStats
    #: Every resource that sent telemetry, with what it sent.
    resources: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    persisted: bool = False


TelemetryKind = Literal["logs", "traces", "metrics"]


@dataclass(frozen=True)
class TelemetryChange:
    """Something new arrived (coalesced: one change stands for every write since the last)."""

    kinds: frozenset[TelemetryKind]
    #: The newest log id after the change.
    last_log_id: int
    #: Traces that got spans.
    trace_ids: frozenset[str] = frozenset()
    #: (instrument, resource) pairs that got points.
    instruments: frozenset[tuple[str, str]] = frozenset()


class TelemetrySink(Protocol):
    """Where the receiver puts what it decoded; called from the receiver's thread."""

    def add_spans(self, spans: Sequence[Span]) -> None: ...

    def add_logs(self, logs: Sequence[LogEntry]) -> None: ...

    def add_metric_points(self, points: Sequence[MetricPoint]) -> None: ...

    def note_dropped(self, kind: TelemetryKind, count: int) -> None:
        """The receiver refused ``count`` records of ``kind`` (its queue was full)."""
        ...


class TelemetryStore(TelemetrySink, Protocol):
    """The bounded, indexed store (see :mod:`pyspire.telemetry.store`); reads are safe from any thread."""

    def logs(self, query: LogQuery) -> list[LogEntry]: ...

    def last_log_id(self) -> int:
        """The newest log id assigned so far (0: none): where a follower starts."""
        ...

    def traces(self, query: TraceQuery) -> list[TraceSummary]: ...

    def trace(self, trace_id: str) -> Trace | None: ...

    def spans(self, query: SpanQuery) -> list[Span]: ...

    def instruments(self, resource: str | None = None) -> list[InstrumentSummary]: ...

    def series(
        self, instrument: str, resource: str | None = None, since_ns: int | None = None
    ) -> list[MetricSeries]: ...

    def stats(self) -> TelemetryStats: ...

    def changes(self) -> AsyncIterator[TelemetryChange]:
        """Live changes, on the calling (event-loop) thread, coalesced so a flood wakes a reader
        at most every few tens of milliseconds; ends when the store closes."""
        ...

    def clear(self, resource: str | None = None) -> None:
        """Forget telemetry (of one resource, or all): the dashboard's "remove telemetry"."""
        ...

    def close(self) -> None: ...
