"""The bounded trace index: spans grouped by trace, traces in order of their first span's
arrival, indexed by resource.

A trace counts once against ``max_traces`` with all its spans; evicting it drops its spans. The
spans of all traces are bounded too (``max_spans``), so one sender that makes huge traces cannot
grow memory without end: the oldest traces go first, and a single trace that alone exceeds the
bound loses its oldest-arrived spans.
"""

from __future__ import annotations

import bisect
import heapq
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pyspire.telemetry.matching import attributes_match
from pyspire.telemetry.queries import SpanQuery, Trace, TraceQuery, TraceSummary
from pyspire.telemetry.records import Span


def _start(span: Span) -> int:
    return span.start_ns


@dataclass
class _TraceEntry:
    trace_id: str
    #: Ordered by start time.
    spans: list[Span] = field(default_factory=list)
    #: In arrival order (what is trimmed first when one trace alone is too big).
    arrival: list[Span] = field(default_factory=list)
    span_ids: set[str] = field(default_factory=set)
    error_count: int = 0
    resources: dict[str, int] = field(default_factory=dict)
    summary: TraceSummary | None = None

    def add(self, span: Span) -> bool:
        if span.span_id in self.span_ids:
            return False  # a retried export: the span is here already
        self.span_ids.add(span.span_id)
        bisect.insort(self.spans, span, key=_start)
        self.arrival.append(span)
        if span.status == "error":
            self.error_count += 1
        self.resources[span.origin.resource] = self.resources.get(span.origin.resource, 0) + 1
        self.summary = None
        return True

    def remove(self, spans: Sequence[Span]) -> None:
        """Forget ``spans`` (all of this trace): one pass over the lists whatever their number,
        by identity — trimming a huge trace span by span would be quadratic under the lock."""
        gone = {id(span) for span in spans}
        for span in spans:
            self.span_ids.discard(span.span_id)
            if span.status == "error":
                self.error_count -= 1
            left = self.resources[span.origin.resource] - 1
            if left:
                self.resources[span.origin.resource] = left
            else:
                del self.resources[span.origin.resource]
        self.spans = [span for span in self.spans if id(span) not in gone]
        self.arrival = [span for span in self.arrival if id(span) not in gone]
        self.summary = None

    def summarize(self) -> TraceSummary:
        if self.summary is None:
            roots = [span for span in self.spans if not span.parent_span_id]
            head = roots[0] if roots else self.spans[0]
            self.summary = TraceSummary(
                trace_id=self.trace_id,
                name=head.name,
                resource=head.origin.resource,
                start_ns=self.spans[0].start_ns,
                end_ns=max(span.end_ns for span in self.spans),
                span_count=len(self.spans),
                error_count=self.error_count,
                resources=tuple(self.resources),
            )
        return self.summary


class TraceIndex:
    def __init__(self, max_traces: int, max_spans: int) -> None:
        self.max_traces = max_traces
        self.max_spans = max_spans
        self.evicted_traces = 0
        self.evicted_spans = 0
        self.span_count = 0
        self._traces: OrderedDict[str, _TraceEntry] = OrderedDict()
        self._by_resource: dict[str, dict[str, None]] = {}
        self._spans_by_resource: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._traces)

    def span_count_of(self, resource: str) -> int:
        return self._spans_by_resource.get(resource, 0)

    def add(self, spans: Sequence[Span]) -> tuple[set[str], list[str], list[Span]]:
        """Store ``spans``; returns the traces that changed, the traces evicted (whole) and the
        spans trimmed from a trace that alone exceeded ``max_spans``."""
        changed: set[str] = set()
        for span in spans:
            entry = self._traces.get(span.trace_id)
            if entry is None:
                entry = self._traces[span.trace_id] = _TraceEntry(span.trace_id)
            if entry.add(span):
                changed.add(span.trace_id)
                self.span_count += 1
                resource = span.origin.resource
                self._by_resource.setdefault(resource, {})[span.trace_id] = None
                self._spans_by_resource[resource] = self._spans_by_resource.get(resource, 0) + 1
        evicted: list[str] = []
        while len(self._traces) > self.max_traces or (self.span_count > self.max_spans and len(self._traces) > 1):
            evicted.append(self._evict_oldest())
        trimmed: list[Span] = []
        if self.span_count > self.max_spans and self._traces:
            only = next(iter(self._traces.values()))
            trimmed = only.arrival[: self.span_count - self.max_spans]
            self._remove_spans(only, trimmed)
            self.evicted_spans += len(trimmed)
        changed.difference_update(evicted)
        return changed, evicted, trimmed

    def _evict_oldest(self) -> str:
        trace_id, entry = self._traces.popitem(last=False)
        self._forget(entry)
        self.evicted_traces += 1
        self.evicted_spans += len(entry.spans)
        return trace_id

    def _forget(self, entry: _TraceEntry) -> None:
        self.span_count -= len(entry.spans)
        for resource, count in entry.resources.items():
            traces = self._by_resource.get(resource)
            if traces is not None:
                traces.pop(entry.trace_id, None)
                if not traces:
                    del self._by_resource[resource]
            left = self._spans_by_resource.get(resource, 0) - count
            if left > 0:
                self._spans_by_resource[resource] = left
            else:
                self._spans_by_resource.pop(resource, None)

    def _remove_spans(self, entry: _TraceEntry, spans: Sequence[Span]) -> None:
        entry.remove(spans)
        self.span_count -= len(spans)
        for resource in {span.origin.resource for span in spans}:
            left = self._spans_by_resource.get(resource, 0) - sum(1 for s in spans if s.origin.resource == resource)
            if left > 0:
                self._spans_by_resource[resource] = left
            else:
                self._spans_by_resource.pop(resource, None)
            if resource not in entry.resources:
                traces = self._by_resource.get(resource)
                if traces is not None:
                    traces.pop(entry.trace_id, None)
                    if not traces:
                        del self._by_resource[resource]

    def _candidates(self, resource: str | None, trace_ids: frozenset[str] | None = None) -> Iterable[_TraceEntry]:
        if trace_ids is not None:
            found = (self._traces.get(trace_id) for trace_id in trace_ids)
            return [entry for entry in found if entry is not None and (resource is None or resource in entry.resources)]
        if resource is None:
            return self._traces.values()
        return [self._traces[trace_id] for trace_id in self._by_resource.get(resource, {})]

    def traces(self, query: TraceQuery) -> list[TraceSummary]:
        """The newest ``limit`` matching traces (by start), newest first."""
        matching = (
            summary
            for entry in self._candidates(query.resource, query.trace_ids)
            if (summary := entry.summarize()) is not None and _trace_matches(entry, summary, query)
        )
        return heapq.nlargest(max(0, query.limit), matching, key=lambda summary: summary.start_ns)

    def trace(self, trace_id: str) -> Trace | None:
        entry = self._traces.get(trace_id)
        if entry is None or not entry.spans:
            return None
        return Trace(entry.summarize(), tuple(entry.spans))

    def spans(self, query: SpanQuery) -> list[Span]:
        """The newest ``limit`` matching spans (by start), ordered by start."""
        if query.trace_id is not None:
            entry = self._traces.get(query.trace_id)
            entries: Iterable[_TraceEntry] = [entry] if entry is not None else []
        else:
            entries = self._candidates(query.resource)
        matching = (span for entry in entries for span in entry.spans if _span_matches(span, query))
        newest = heapq.nlargest(max(0, query.limit), matching, key=_start)
        newest.reverse()
        return newest

    def clear(self, resource: str | None = None) -> tuple[set[str], list[str]]:
        """Forget all, or one resource's spans; returns the traces that changed and those gone."""
        if resource is None:
            gone = list(self._traces)
            self._traces.clear()
            self._by_resource.clear()
            self._spans_by_resource.clear()
            self.span_count = 0
            return set(), gone
        changed: set[str] = set()
        gone = []
        for trace_id in list(self._by_resource.get(resource, {})):
            entry = self._traces[trace_id]
            self._remove_spans(entry, [span for span in entry.spans if span.origin.resource == resource])
            if entry.spans:
                changed.add(trace_id)
            else:
                del self._traces[trace_id]
                gone.append(trace_id)
        return changed, gone


def _trace_matches(entry: _TraceEntry, summary: TraceSummary, query: TraceQuery) -> bool:
    if query.before_ns is not None and summary.start_ns >= query.before_ns:
        return False
    if query.min_duration_ns is not None and summary.duration_ns < query.min_duration_ns:
        return False
    if query.max_duration_ns is not None and summary.duration_ns > query.max_duration_ns:
        return False
    if query.status == "error" and summary.error_count == 0:
        return False
    if query.status in ("ok", "unset") and summary.error_count > 0:
        return False
    if query.text is not None:
        text = query.text.lower()
        if not any(text in span.name.lower() for span in entry.spans):
            return False
    if query.attributes and not any(attributes_match(span.attributes, query.attributes) for span in entry.spans):
        return False
    return True


def _span_matches(span: Span, query: SpanQuery) -> bool:
    if query.resource is not None and span.origin.resource != query.resource:
        return False
    if query.name is not None and query.name.lower() not in span.name.lower():
        return False
    if query.status is not None and span.status != query.status:
        return False
    if query.min_duration_ns is not None and span.duration_ns < query.min_duration_ns:
        return False
    return attributes_match(span.attributes, query.attributes)
