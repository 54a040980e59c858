"""A small instrumented program for the telemetry CLI tests, configured only by the variables
pyspire hands every replica (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).

At start it sends, through the OpenTelemetry SDK's real OTLP exporters:
- a trace "GET /orders" (server span, http.route=/orders) with a child "SELECT orders"
  (db.system=postgresql) that takes ~300 ms, and the log record "order 42 placed" inside it;
- a trace "POST /pay" whose span fails ("card declined"), with the error record "payment failed";
- a warning "stock low" outside any trace;
- a counter ``orders.placed`` (3, region=eu) and a histogram ``order.value`` (10 and 30);
then prints "telemetry sent" and logs "tick N" every half second until stopped.
With argv[1], it writes the exporter headers it was given (the OTLP API key) to that file, so a
test can check no output shows them — it never prints them.
"""

import logging
import os
import signal
import sys
import time

from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

if os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc") == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as secret:
        secret.write(os.environ.get("OTEL_EXPORTER_OTLP_HEADERS", ""))

resource = Resource.create()
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
set_logger_provider(logger_provider)
meter_provider = MeterProvider(resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
metrics.set_meter_provider(meter_provider)

log = logging.getLogger("shop")
log.setLevel(logging.INFO)
log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))
tracer = trace.get_tracer("shop")
meter = metrics.get_meter("shop")

with tracer.start_as_current_span("GET /orders", kind=SpanKind.SERVER) as span:
    span.set_attribute("http.route", "/orders")
    log.info("order 42 placed")
    with tracer.start_as_current_span("SELECT orders", kind=SpanKind.CLIENT) as query:
        query.set_attribute("db.system", "postgresql")
        time.sleep(0.3)

with tracer.start_as_current_span("POST /pay", kind=SpanKind.SERVER) as span:
    span.set_attribute("http.route", "/pay")
    log.error("payment failed")
    span.set_status(Status(StatusCode.ERROR, "card declined"))

log.warning("stock low")
meter.create_counter("orders.placed", unit="{order}", description="Orders placed").add(3, {"region": "eu"})
values = meter.create_histogram("order.value", unit="EUR", description="What an order is worth")
values.record(10)
values.record(30)

tracer_provider.force_flush()
logger_provider.force_flush()
meter_provider.force_flush()
print("telemetry sent", flush=True)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    tick = 0
    while True:
        time.sleep(0.5)
        log.info("tick %d", tick)
        tick += 1
finally:
    tracer_provider.shutdown()
    logger_provider.shutdown()
    meter_provider.shutdown()
