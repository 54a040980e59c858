"""The queue between the listeners and the decoding thread: bounded in batches, the oldest
dropped first, and what each dropped batch held counted in records of its own kind."""

from __future__ import annotations

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from pyspire.telemetry.otlp_queue import Batch, BatchQueue, record_count


def logs(n: int) -> Batch:
    return Batch("logs", ExportLogsServiceRequest(resource_logs=[ResourceLogs(scope_logs=[ScopeLogs(log_records=[LogRecord()] * n)])]))


def metrics(gauge_points: int, histogram_points: int) -> Batch:
    request = ExportMetricsServiceRequest(
        resource_metrics=[
            ResourceMetrics(
                scope_metrics=[
                    ScopeMetrics(
                        metrics=[
                            Metric(name="g", gauge=Gauge(data_points=[NumberDataPoint()] * gauge_points)),
                            Metric(name="h", histogram=Histogram(data_points=[HistogramDataPoint()] * histogram_points)),
                            Metric(name="empty"),
                        ]
                    )
                ]
            )
        ]
    )
    return Batch("metrics", request)


def spans(n: int) -> Batch:
    return Batch("traces", ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[Span()] * n)] * 2)]))


def test_records_are_counted_per_kind() -> None:
    assert record_count(logs(3)) == 3
    assert record_count(metrics(2, 5)) == 7, "metric points of every instrument"
    assert record_count(spans(4)) == 8, "spans of every scope"


def test_past_the_bound_the_oldest_batches_go_and_are_counted_in_their_kind() -> None:
    queue = BatchQueue(max_batches=2)
    for batch in (logs(3), metrics(1, 1), spans(5), logs(1)):
        queue.put(batch)
    assert len(queue) == 2 and queue.dropped_batches == 2
    first, dropped = queue.take()
    assert dropped == {"logs": 3, "metrics": 2}
    assert first is not None and first.kind == "traces", "the newest stay, in arrival order"
    second, dropped = queue.take()
    assert second is not None and second.kind == "logs" and dropped == {}
    queue.close()
    assert queue.take() == (None, {}), "closed and drained"
