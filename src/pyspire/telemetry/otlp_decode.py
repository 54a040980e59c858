"""OTLP export requests (protobuf messages) into :mod:`pyspire.telemetry.records`.

Runs on the receiver's decoding thread, never on an event loop: walking every span of a batch in
Python is the receiver's main cost. Ids become lowercase hex ("" for an absent parent or a log
record without a span); kinds, statuses and severities map to the records' vocabulary; the
limits (:class:`~pyspire.telemetry.otlp_attributes.AttributeLimits`, span events) are applied
here so the store never holds more than it was configured for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    ExponentialHistogramDataPoint,
    Metric,
    NumberDataPoint,
)

from pyspire.telemetry.origins import OriginResolver
from pyspire.telemetry.otlp_attributes import (
    AttributeLimits,
    LazyAttributes,
    convert_attributes,
    convert_value,
)
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
    SpanKind,
    SpanLink,
    SpanStatus,
)

#: Spans decoded between two calls of the decoder's ``pause``.
PAUSE_EVERY = 64
#: OTLP ``Span.SpanKind`` numbers.
SPAN_KINDS: tuple[SpanKind, ...] = ("unspecified", "internal", "server", "client", "producer", "consumer")
#: OTLP ``Status.StatusCode`` numbers.
SPAN_STATUSES: tuple[SpanStatus, ...] = ("unset", "ok", "error")
#: OTLP ``AggregationTemporality`` numbers.
TEMPORALITIES = ("", "delta", "cumulative")
#: Severity text a sender gives without a number (e.g. a bridge that only knows level names).
_SEVERITY_WORDS: dict[str, Severity] = {
    "trace": "trace",
    "debug": "debug",
    "info": "info",
    "information": "info",
    "warn": "warn",
    "warning": "warn",
    "error": "error",
    "critical": "fatal",
    "fatal": "fatal",
}

#: Above this many bytes per span on average, a batch's attributes are converted at once.
LAZY_BYTES_PER_SPAN = 1024
#: The longest log body kept (characters); the rest is cut off.
MAX_LOG_BODY_CHARS = 64 * 1024


def severity_of(number: int, text: str) -> Severity:
    """OTLP's 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal; a record
    with no number is judged by its text, else "unspecified"."""
    if 1 <= number <= 24:
        return ("trace", "debug", "info", "warn", "error", "fatal")[(number - 1) // 4]
    return _SEVERITY_WORDS.get(text.strip().lower(), "unspecified")


_NO_SPAN_ID = bytes(8)


def _hex(raw: bytes) -> str:
    """An id as lowercase hex; all zeros (OTLP's "no id") and empty both mean none."""
    return raw.hex() if raw.strip(b"\0") else ""


class Decoder:
    """Turns whole export requests into records; one per receiver, used from one thread."""

    def __init__(
        self,
        origins: OriginResolver,
        limits: AttributeLimits,
        max_span_events: int,
        pause: Callable[[], None] | None = None,
    ) -> None:
        self.origins = origins
        self.limits = limits
        self.max_span_events = max_span_events
        #: Called every :data:`PAUSE_EVERY` spans: the receiver passes one that lets the app
        #: host's loop take the GIL (see :mod:`pyspire.telemetry.receiver`).
        self.pause = pause

    # -- traces ------------------------------------------------------------------------------------

    def spans(self, request: ExportTraceServiceRequest) -> list[Span]:
        """Every span of ``request``. The hot loop of the receiver: attributes stay lazy
        (:class:`LazyAttributes`) and everything else is read once into locals."""
        out: list[Span] = []
        append = out.append
        limits = self.limits
        max_attributes = limits.max_attributes
        max_events = self.max_span_events
        kinds, statuses = SPAN_KINDS, SPAN_STATUSES
        pause = self.pause
        max_length = limits.max_length
        attributes_of = self._attribute_reader(request, limits)
        for resource_spans in request.resource_spans:
            origin = self.origins.resolve(resource_spans.resource)
            for scope_spans in resource_spans.scope_spans:
                scope = scope_spans.scope.name
                for span in scope_spans.spans:
                    if pause is not None and not len(out) % PAUSE_EVERY:
                        pause()
                    pairs = span.attributes
                    dropped = max(0, len(pairs) - max_attributes)
                    events: tuple[SpanEvent, ...] = ()
                    all_events = span.events
                    if all_events:
                        if len(all_events) == 1 and max_events:  # the common case, without a generator
                            e = all_events[0]
                            events = (SpanEvent(e.name, e.time_unix_nano, attributes_of(e.attributes)),)
                        else:
                            if len(all_events) > max_events:
                                dropped += len(all_events) - max_events
                            events = tuple(
                                [
                                    SpanEvent(e.name, e.time_unix_nano, attributes_of(e.attributes))
                                    for e in all_events[:max_events]
                                ]
                            )
                    links: tuple[SpanLink, ...] = ()
                    if len(span.links):
                        links = tuple(
                            SpanLink(link.trace_id.hex(), link.span_id.hex(), attributes_of(link.attributes))
                            for link in span.links
                        )
                    parent = span.parent_span_id
                    kind = span.kind
                    status = span.status
                    code = status.code
                    append(
                        Span(
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            parent.hex() if parent and parent != _NO_SPAN_ID else "",
                            span.name[:max_length],
                            kinds[kind] if 0 <= kind < 6 else "unspecified",
                            span.start_time_unix_nano,
                            span.end_time_unix_nano,
                            statuses[code] if 0 <= code < 3 else "unset",
                            status.message[:max_length],
                            attributes_of(pairs),
                            events,
                            links,
                            scope,
                            origin,
                            dropped + span.dropped_attributes_count + span.dropped_events_count + span.dropped_links_count,
                        )
                    )
        return out

    # -- logs ----------------------------------------------------------------------------------------

    def logs(self, request: ExportLogsServiceRequest) -> list[LogEntry]:
        out: list[LogEntry] = []
        limits = self.limits
        for resource_logs in request.resource_logs:
            origin = self.origins.resolve(resource_logs.resource)
            for scope_logs in resource_logs.scope_logs:
                scope = scope_logs.scope.name
                for record in scope_logs.log_records:
                    attributes, dropped = convert_attributes(record.attributes, limits)
                    out.append(
                        LogEntry(
                            time_ns=record.time_unix_nano or record.observed_time_unix_nano,
                            severity=severity_of(record.severity_number, record.severity_text),
                            severity_number=record.severity_number,
                            severity_text=record.severity_text,
                            body=self._body(record.body),
                            attributes=attributes,
                            trace_id=_hex(record.trace_id),
                            span_id=_hex(record.span_id),
                            scope=scope,
                            origin=origin,
                            dropped_attributes=dropped + record.dropped_attributes_count,
                        )
                    )
        return out

    @staticmethod
    def _attribute_reader(
        request: ExportTraceServiceRequest, limits: AttributeLimits
    ) -> Callable[[Sequence[KeyValue]], Attributes]:
        """Lazy attributes (see :class:`LazyAttributes`) keep the whole parsed batch alive until
        read, limits unapplied: fine for ordinary spans, not for a batch whose spans carry large
        values (a 1 MiB attribute would be kept whole). Such a batch — more than
        :data:`LAZY_BYTES_PER_SPAN` on average — is converted at once, limits applied, so what
        the store holds per span stays bounded by the limits either way."""
        count = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
        if count and request.ByteSize() > LAZY_BYTES_PER_SPAN * count:
            return lambda pairs: convert_attributes(pairs, limits)[0]
        return lambda pairs: LazyAttributes(pairs, limits)

    def _body(self, body: AnyValue) -> str:
        """The body as text: a string as it is, anything structured as compact JSON; at most
        :data:`MAX_LOG_BODY_CHARS` (a traceback is longer than any attribute limit, a log of a
        whole file is not kept whole)."""
        if body.WhichOneof("value") == "string_value":
            return body.string_value[:MAX_LOG_BODY_CHARS]
        value = convert_value(body, self.limits)
        if value is None:
            return ""
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_jsonable)

    # -- metrics -------------------------------------------------------------------------------------

    def metric_points(self, request: ExportMetricsServiceRequest) -> list[MetricPoint]:
        out: list[MetricPoint] = []
        for resource_metrics in request.resource_metrics:
            origin = self.origins.resolve(resource_metrics.resource)
            for scope_metrics in resource_metrics.scope_metrics:
                scope = scope_metrics.scope.name
                for metric in scope_metrics.metrics:
                    out.extend(self._points(metric, scope, origin))
        return out

    def _points(self, metric: Metric, scope: str, origin: Origin) -> list[MetricPoint]:
        which = metric.WhichOneof("data")
        limits = self.limits
        points: list[MetricPoint] = []
        if which == "gauge" or which == "sum":
            if which == "sum":
                data = metric.sum
                instrument = Instrument(
                    metric.name,
                    metric.description,
                    metric.unit,
                    "sum",
                    monotonic=data.is_monotonic,
                    temporality=_temporality(data.aggregation_temporality),
                )
                number_points: Sequence[NumberDataPoint] = data.data_points
            else:
                instrument = Instrument(metric.name, metric.description, metric.unit, "gauge")
                number_points = metric.gauge.data_points
            for p in number_points:
                value = p.as_double if p.WhichOneof("value") == "as_double" else float(p.as_int)
                attributes, _ = convert_attributes(p.attributes, limits)
                points.append(
                    MetricPoint(instrument, attributes, p.time_unix_nano, p.start_time_unix_nano, value, None, scope, origin)
                )
        elif which == "histogram":
            histogram = metric.histogram
            instrument = Instrument(
                metric.name,
                metric.description,
                metric.unit,
                "histogram",
                temporality=_temporality(histogram.aggregation_temporality),
            )
            for h in histogram.data_points:
                attributes, _ = convert_attributes(h.attributes, limits)
                counts = tuple(h.bucket_counts)
                bounds = tuple(h.explicit_bounds)
                if len(counts) != len(bounds) + 1:  # a sender that sent no buckets: one bucket of all
                    bounds, counts = (), (h.count,)
                histogram_value = HistogramValue(
                    count=h.count,
                    sum=h.sum if h.HasField("sum") else None,
                    bounds=bounds,
                    bucket_counts=counts,
                    min=h.min if h.HasField("min") else None,
                    max=h.max if h.HasField("max") else None,
                )
                points.append(
                    MetricPoint(
                        instrument, attributes, h.time_unix_nano, h.start_time_unix_nano, None, histogram_value, scope, origin
                    )
                )
        elif which == "exponential_histogram":
            exponential = metric.exponential_histogram
            instrument = Instrument(
                metric.name,
                metric.description,
                metric.unit,
                "exponential_histogram",
                temporality=_temporality(exponential.aggregation_temporality),
            )
            for e in exponential.data_points:
                attributes, _ = convert_attributes(e.attributes, limits)
                converted = exponential_to_explicit(e)
                points.append(
                    MetricPoint(
                        instrument,
                        attributes,
                        e.time_unix_nano,
                        e.start_time_unix_nano,
                        None,
                        converted,
                        scope,
                        origin,
                    )
                )
        elif which == "summary":
            instrument = Instrument(metric.name, metric.description, metric.unit, "summary")
            for s in metric.summary.data_points:
                attributes, _ = convert_attributes(s.attributes, limits)
                points.append(
                    MetricPoint(instrument, attributes, s.time_unix_nano, s.start_time_unix_nano, s.sum, None, scope, origin)
                )
        return points


def _temporality(number: int) -> str:
    return TEMPORALITIES[number] if 0 <= number < len(TEMPORALITIES) else ""


def exponential_to_explicit(point: ExponentialHistogramDataPoint) -> HistogramValue:
    """An exponential histogram's buckets as explicit bounds, so one chart draws both kinds.

    Positive bucket ``i`` (index ``offset + i``) holds values in ``(base**index, base**(index+1)]``
    with ``base = 2**(2**-scale)``; negative buckets mirror that below zero; the zero bucket holds
    ``[-zero_threshold, zero_threshold]``. Laid out in ascending order, every bucket's edges become
    bounds (a gap between two buckets becomes an empty bucket), with an empty bucket below the
    lowest and above the highest, so no edge is lost and ``len(bucket_counts) == len(bounds) + 1``."""
    base = 2.0 ** (2.0**-point.scale)
    # (lower edge, upper edge, count) in ascending order of value.
    intervals: list[tuple[float, float, int]] = []
    negative = point.negative
    for i in range(len(negative.bucket_counts) - 1, -1, -1):
        index = negative.offset + i
        intervals.append((-_power(base, index + 1), -_power(base, index), negative.bucket_counts[i]))
    if point.zero_count or negative.bucket_counts:
        intervals.append((-point.zero_threshold, point.zero_threshold, point.zero_count))
    positive = point.positive
    for i, count in enumerate(positive.bucket_counts):
        index = positive.offset + i
        intervals.append((_power(base, index), _power(base, index + 1), count))
    bounds: list[float] = []
    counts: list[int] = []
    for lower, upper, count in intervals:
        if lower < upper and (not bounds or lower > bounds[-1]):
            bounds.append(lower)
            counts.append(0)
        if bounds and upper <= bounds[-1]:
            counts[-1] += count
            continue
        bounds.append(upper)
        counts.append(count)
    counts.append(0)
    if not bounds:
        counts = [point.count]
    return HistogramValue(
        count=point.count,
        sum=point.sum if point.HasField("sum") else None,
        bounds=tuple(bounds),
        bucket_counts=tuple(counts),
        min=point.min if point.HasField("min") else None,
        max=point.max if point.HasField("max") else None,
    )


def _power(base: float, exponent: int) -> float:
    try:
        return base**exponent
    except OverflowError:
        return math.inf


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else str(value)
