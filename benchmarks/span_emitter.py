"""The instrumented service bench_dashboard_traces.py runs (not a benchmark itself): on each
``GET /emit`` it makes one span with the OpenTelemetry SDK, calls ``force_flush`` (the span is
exported, over what pyspire's exporter variables say, when that returns) and answers
``{"trace_id": ..., "flushed_ms": <time.time() after force_flush, in ms>}``."""

import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

provider = TracerProvider(resource=Resource.create())  # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
tracer = provider.get_tracer("span_emitter")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        with tracer.start_as_current_span("bench span") as span:
            span.set_attribute("bench.path", self.path)
            trace_id = format(span.get_span_context().trace_id, "032x")
        provider.force_flush()
        flushed_ms = time.time() * 1000
        data = json.dumps({"trace_id": trace_id, "flushed_ms": flushed_ms}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
print("listening", flush=True)
server.serve_forever()
