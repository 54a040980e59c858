"""One realistic exchange, sent through the SDK and checked on arrival, for both protocols."""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.telemetry.conftest import RecordingSink
from tests.telemetry.sdk import Providers


def emit(p: Providers) -> tuple[str, str, str]:
    """A server span with a client child that fails, a log inside it, and four instruments.
    Returns the trace id, the server span id and the child span id as hex."""
    tracer = p.tracer_provider.get_tracer("orders.handler", "1.0")
    with tracer.start_as_current_span("GET /orders", kind=SpanKind.SERVER, attributes={"http.route": "/orders"}) as root:
        with tracer.start_as_current_span("SELECT orders", kind=SpanKind.CLIENT) as child:
            child.set_attribute("db.rows", 3)
            child.set_attribute("db.tags", ["a", "b"])
            child.add_event("retry", {"attempt": 2})
            p.logger.warning("slow query %s", "orders")
            child.set_status(Status(StatusCode.ERROR, "timeout"))
    meter = p.meter_provider.get_meter("orders.metrics")
    meter.create_counter("orders.placed", unit="{order}", description="Orders placed").add(5, {"region": "eu"})
    meter.create_up_down_counter("orders.open").add(-2)
    meter.create_histogram("orders.latency", unit="ms").record(42.0)
    meter.create_gauge("orders.queue").set(7)
    p.meter_provider.force_flush()
    ctx = root.get_span_context()
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x"), format(child.get_span_context().span_id, "016x")


async def send_and_check(p: Providers, sink: RecordingSink) -> None:
    trace_id, root_id, child_id = await asyncio.to_thread(emit, p)
    await sink.wait_for(lambda s: len(s.spans) >= 2 and len(s.logs) >= 1 and len(s.points) >= 4)

    spans = {s.span_id: s for s in sink.spans}
    root, child = spans[root_id], spans[child_id]
    assert root.trace_id == child.trace_id == trace_id, "ids arrive as lowercase hex"
    assert root.parent_span_id == "" and child.parent_span_id == root_id
    assert (root.name, root.kind, root.status) == ("GET /orders", "server", "unset")
    assert (child.kind, child.status, child.status_message) == ("client", "error", "timeout")
    assert root.attributes["http.route"] == "/orders"
    assert child.attributes["db.rows"] == 3 and child.attributes["db.tags"] == ("a", "b")
    assert [(e.name, e.attributes) for e in child.events] == [("retry", {"attempt": 2})]
    assert child.scope == "orders.handler"
    assert child.end_ns >= child.start_ns > 0
    origin = child.origin
    assert (origin.resource, origin.replica, origin.known) == ("api", "api-bcdefghj", True)
    assert origin.attributes["telemetry.sdk.language"] == "python"

    (log,) = sink.logs
    assert (log.body, log.severity, log.severity_text) == ("slow query orders", "warn", "WARN")
    assert (log.trace_id, log.span_id) == (trace_id, child_id), "a log inside a span is tied to it"
    assert log.origin.replica == "api-bcdefghj"

    points = {p.instrument.name: p for p in sink.points}
    placed = points["orders.placed"]
    assert (placed.instrument.kind, placed.instrument.monotonic, placed.instrument.temporality) == (
        "sum",
        True,
        "cumulative",
    )
    assert (placed.value, placed.attributes, placed.instrument.unit) == (5.0, {"region": "eu"}, "{order}")
    assert placed.instrument.description == "Orders placed"
    assert (points["orders.open"].instrument.monotonic, points["orders.open"].value) == (False, -2.0)
    assert points["orders.queue"].instrument.kind == "gauge" and points["orders.queue"].value == 7.0
    latency = points["orders.latency"].histogram
    assert latency is not None and (latency.count, latency.sum, latency.min, latency.max) == (1, 42.0, 42.0, 42.0)
    assert len(latency.bucket_counts) == len(latency.bounds) + 1 and sum(latency.bucket_counts) == 1
    assert sink.threads == {"pyspire-otlp-decode"}, "decoded and stored on the receiver's decoding thread"
