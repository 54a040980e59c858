"""The store's traces: spans grouped per trace, summaries, filters, a trace counting once
against the limit, the total spans bounded too."""

from __future__ import annotations

from pyspire.telemetry.queries import SpanQuery, TraceQuery
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import MemoryTelemetryStore
from tests.telemetry.store_records import span, trace_id


def store(**limits: int) -> MemoryTelemetryStore:
    return MemoryTelemetryStore(TelemetrySettings(**limits))  # type: ignore[arg-type]


def test_a_trace_is_summarized_from_its_root_and_its_spans_come_ordered_by_start():
    s = store()
    s.add_spans([span(1, 3, parent=2, start_ms=20, duration_ms=5, resource="db", status="error")])
    s.add_spans([span(1, 2, parent=1, start_ms=10, duration_ms=30, resource="worker")])
    early = s.trace(trace_id(1))
    assert early is not None and early.summary.name == "span 2", "the earliest span names it until the root arrives"
    s.add_spans([span(1, 1, name="GET /orders", start_ms=0, duration_ms=50, resource="api")])
    s.add_spans([span(1, 1, name="GET /orders", start_ms=0, duration_ms=50, resource="api")])  # a retried export
    found = s.trace(trace_id(1))
    assert found is not None
    assert [sp.span_id[-1] for sp in found.spans] == ["1", "2", "3"]
    summary = found.summary
    assert (summary.name, summary.resource, summary.span_count, summary.error_count) == ("GET /orders", "api", 3, 1)
    assert summary.duration_ns == 50_000_000
    assert summary.resources == ("db", "worker", "api"), "in order of first appearance"
    assert s.trace(trace_id(99)) is None


def test_trace_filters_and_newest_first_paging():
    s = store()
    s.add_spans([span(1, 1, name="GET /fast", start_ms=0, duration_ms=5)])
    s.add_spans([span(2, 1, name="GET /slow", start_ms=100, duration_ms=900, attributes={"http.route": "/slow"})])
    s.add_spans([span(3, 1, name="POST /orders", start_ms=200, duration_ms=50, status="error", resource="worker")])
    ids = lambda **q: [t.trace_id[-1] for t in s.traces(TraceQuery(**q))]  # noqa: E731
    assert ids() == ["3", "2", "1"], "newest first"
    assert ids(limit=2) == ["3", "2"]
    assert ids(before_ns=s.traces(TraceQuery())[1].start_ns) == ["1"], "paging back by start"
    assert ids(min_duration_ns=100_000_000) == ["2"]
    assert ids(max_duration_ns=10_000_000) == ["1"]
    assert ids(status="error") == ["3"]
    assert ids(status="ok") == ["2", "1"]
    assert ids(resource="worker") == ["3"]
    assert ids(text="get") == ["2", "1"]
    assert ids(attributes={"http.route": "/slow"}) == ["2"]
    assert ids(trace_ids=frozenset({trace_id(1), trace_id(3), trace_id(42)})) == ["3", "1"]


def test_span_queries_filter_across_traces():
    s = store()
    s.add_spans([span(1, 1, name="GET /a", start_ms=0), span(1, 2, parent=1, name="SELECT", resource="db", start_ms=1)])
    s.add_spans([span(2, 1, name="GET /b", start_ms=5, duration_ms=500, status="error")])
    names = lambda **q: [sp.name for sp in s.spans(SpanQuery(**q))]  # noqa: E731
    assert names() == ["GET /a", "SELECT", "GET /b"], "ordered by start"
    assert names(resource="db") == ["SELECT"]
    assert names(trace_id=trace_id(1)) == ["GET /a", "SELECT"]
    assert names(name="get") == ["GET /a", "GET /b"]
    assert names(status="error") == ["GET /b"]
    assert names(min_duration_ns=100_000_000) == ["GET /b"]
    assert names(limit=1) == ["GET /b"], "the newest"


def test_a_trace_counts_once_and_evicting_it_drops_all_its_spans():
    s = store(max_traces=2)
    for trace in (1, 2, 3):
        s.add_spans([span(trace, n, start_ms=trace * 10 + n) for n in range(1, 6)])
    assert [t.trace_id for t in s.traces(TraceQuery())] == [trace_id(3), trace_id(2)]
    assert s.spans(SpanQuery(trace_id=trace_id(1))) == []
    stats = s.stats()
    assert (stats.traces.stored, stats.traces.evicted) == (2, 1)
    assert (stats.spans.stored, stats.spans.evicted) == (10, 5)
    assert stats.resources["api"]["spans"] == 10


def test_the_spans_of_all_traces_are_bounded_too():
    s = store(max_traces=100, max_spans=10)
    s.add_spans([span(1, n) for n in range(1, 7)])
    s.add_spans([span(2, n) for n in range(1, 7)])
    assert s.trace(trace_id(1)) is None, "the oldest trace went to make room"
    assert s.stats().spans.stored == 6
    s.add_spans([span(3, n) for n in range(1, 15)])  # one trace alone over the bound
    only = s.trace(trace_id(3))
    assert only is not None and len(only.spans) == 10
    assert only.spans[0].span_id.endswith("5"), "it lost its oldest-arrived spans"
    assert s.stats().spans.stored == 10


def test_clearing_a_resource_removes_its_spans_and_traces_left_empty():
    s = store()
    s.add_spans([span(1, 1, resource="api"), span(1, 2, parent=1, resource="db")])
    s.add_spans([span(2, 1, resource="db")])
    s.clear("db")
    one = s.trace(trace_id(1))
    assert one is not None and [sp.origin.resource for sp in one.spans] == ["api"]
    assert one.summary.resources == ("api",)
    assert s.trace(trace_id(2)) is None
    assert s.traces(TraceQuery(resource="db")) == []
    s.clear()
    assert s.traces(TraceQuery()) == [] and s.stats().spans.stored == 0
