"""Test app: exports one trace of 5,000 spans with the OpenTelemetry SDK (over what pyspire's
exporter variables say), then idles. The root is "big request"; its children "step 0".."step
4998" nest ten deep in runs (every tenth step starts again under the root); every hundredth step
carries ``step.kind=cache``, the others ``step.kind=db``. Prints "exported trace <id>" once the
SDK has flushed every span."""

import signal
import sys
import time

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import set_span_in_context

SPANS = 5000
provider = TracerProvider(resource=Resource.create())
# The SDK's default queue (2,048) would drop spans of a burst this size.
provider.add_span_processor(
    BatchSpanProcessor(OTLPSpanExporter(), max_queue_size=SPANS * 2, max_export_batch_size=500)
)
tracer = provider.get_tracer("big_trace")

root = tracer.start_span("big request")
parent = root
for i in range(SPANS - 1):
    if i % 10 == 0:
        parent = root
    span = tracer.start_span(f"step {i}", context=set_span_in_context(parent))
    span.set_attribute("step.kind", "cache" if i % 100 == 0 else "db")
    span.end()
    parent = span
root.end()
provider.force_flush()
print(f"exported trace {format(root.get_span_context().trace_id, '032x')}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(3600)
