"""Test service instrumented with the OpenTelemetry SDK, configured only by the variables pyspire
hands every replica (endpoint, protocol, headers, service name and instance id, delays).

GET /work: a SERVER span continuing the caller's W3C ``traceparent``, a log record "did work"
inside it, a ``work.requests`` counter; with $DOWNSTREAM set it first calls $DOWNSTREAM/work inside
a CLIENT span, propagating the trace. Answers ``{"trace_id": ...}``. Every replica also reports an
observable gauge ``service.up`` (1) at each export, requests or not. Each span export's result is
printed ("span export: SUCCESS" / "FAILURE"), so a test sees what the exporter reported.
"""

import json
import logging
import os
import signal
import sys
import urllib.request
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry import metrics, propagate, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

if os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc") == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter


class Reporting(SpanExporter):
    """The SDK's exporter, printing each batch's result."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.inner.export(spans)
        print(f"span export: {result.name}", flush=True)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


resource = Resource.create()  # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(Reporting(OTLPSpanExporter())))
trace.set_tracer_provider(tracer_provider)
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
set_logger_provider(logger_provider)
meter_provider = MeterProvider(resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
metrics.set_meter_provider(meter_provider)

log = logging.getLogger("otel_service")
log.setLevel(logging.INFO)
log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))
tracer = trace.get_tracer("otel_service")
meter = metrics.get_meter("otel_service")
requests = meter.create_counter("work.requests", unit="{request}", description="Requests to /work")


def up(options: CallbackOptions) -> list[Observation]:
    return [Observation(1)]


meter.create_observable_gauge("service.up", callbacks=[up], description="1 while the replica runs")
downstream = os.environ.get("DOWNSTREAM")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/work":
            self._answer(200, {"ok": True})
            return
        # W3C header names arrive capitalised by urllib ("Traceparent"); the dict getter is exact.
        context = propagate.extract({k.lower(): v for k, v in self.headers.items()})
        with tracer.start_as_current_span("GET /work", context=context, kind=SpanKind.SERVER) as span:
            span.set_attribute("http.route", "/work")
            if downstream:
                with tracer.start_as_current_span("call downstream", kind=SpanKind.CLIENT):
                    headers: dict[str, str] = {}
                    propagate.inject(headers)
                    request = urllib.request.Request(downstream + "/work", headers=headers)
                    urllib.request.urlopen(request, timeout=10).read()
            log.info("did work")
            requests.add(1, {"http.route": "/work"})
            trace_id = format(span.get_span_context().trace_id, "032x")
        self._answer(200, {"trace_id": trace_id})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # flush what is batched on the way out
port = int(os.environ.get("PORT") or sys.argv[1])
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"listening on {port}", flush=True)
try:
    server.serve_forever()
finally:
    tracer_provider.shutdown()
    logger_provider.shutdown()
    meter_provider.shutdown()
