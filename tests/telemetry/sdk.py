"""Real OpenTelemetry SDK providers pointed at a receiver (the clients the tests send with)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

Protocol = Literal["grpc", "http/protobuf"]


@dataclass
class Providers:
    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    meter_provider: MeterProvider
    logger: logging.Logger


def exporters(protocol: Protocol, url: str, key: str, gzip: bool = False):  # type: ignore[no-untyped-def]
    headers = {"x-otlp-api-key": key}
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.exporter import Compression
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        compression = Compression.Gzip if gzip else Compression.NoCompression
        kwargs = {"endpoint": url, "insecure": True, "headers": headers, "compression": compression, "timeout": 5}
        return OTLPSpanExporter(**kwargs), OTLPLogExporter(**kwargs), OTLPMetricExporter(**kwargs)
    from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter

    compression_http = HttpCompression.Gzip if gzip else HttpCompression.NoCompression
    return (
        HttpSpanExporter(endpoint=f"{url}/v1/traces", headers=headers, compression=compression_http, timeout=5),
        HttpLogExporter(endpoint=f"{url}/v1/logs", headers=headers, compression=compression_http, timeout=5),
        HttpMetricExporter(endpoint=f"{url}/v1/metrics", headers=headers, compression=compression_http, timeout=5),
    )


@contextmanager
def providers(
    protocol: Protocol, url: str, key: str, service: str = "api", instance: str = "bcdefghj", gzip: bool = False
) -> Iterator[Providers]:
    """SDK providers for one "replica"; spans and logs export as they end, metrics on flush."""
    resource = Resource.create({"service.name": service, "service.instance.id": instance})
    span_exporter, log_exporter, metric_exporter = exporters(protocol, url, key, gzip)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    logger = logging.getLogger(f"test.{protocol}.{id(resource)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(LoggingHandler(logger_provider=logger_provider))
    try:
        yield Providers(tracer_provider, logger_provider, meter_provider, logger)
    finally:
        tracer_provider.shutdown()
        logger_provider.shutdown()
        meter_provider.shutdown()
