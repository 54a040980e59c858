"""OTLP over gRPC: what the OpenTelemetry SDK's gRPC exporters send arrives decoded, with its
origin; gzip works; a missing or wrong key is refused with UNAUTHENTICATED and stores nothing."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SpanExportResult

from pyspire.telemetry.receiver import OtlpReceiver
from pyspire.telemetry.settings import TelemetrySettings
from tests.telemetry.conftest import API_KEY, RecordingSink
from tests.telemetry.scenario import send_and_check
from tests.telemetry.sdk import exporters, providers


async def test_spans_logs_and_metrics_from_the_sdk_over_grpc_arrive_decoded_with_their_replica(
    receiver: OtlpReceiver, sink: RecordingSink
) -> None:
    with providers("grpc", receiver.endpoints.grpc_url, API_KEY) as p:
        await send_and_check(p, sink)


async def test_gzip_compressed_grpc_exports_arrive(receiver: OtlpReceiver, sink: RecordingSink) -> None:
    with providers("grpc", receiver.endpoints.grpc_url, API_KEY, gzip=True) as p:
        await send_and_check(p, sink)


async def test_a_grpc_export_with_a_wrong_or_missing_key_is_unauthenticated_and_stores_nothing(
    receiver: OtlpReceiver, sink: RecordingSink
) -> None:
    span_exporter, _, _ = exporters("grpc", receiver.endpoints.grpc_url, "wrong-key")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    results: list[SpanExportResult] = []

    class Watching(SimpleSpanProcessor):
        def on_end(self, span):  # type: ignore[no-untyped-def]
            results.append(span_exporter.export([span]))

    provider = TracerProvider()
    provider.add_span_processor(Watching(span_exporter))
    await asyncio.to_thread(lambda: provider.get_tracer("t").start_span("refused").end())
    assert results == [SpanExportResult.FAILURE]

    async with grpc.aio.insecure_channel(receiver.endpoints.grpc_url.removeprefix("http://")) as channel:
        stub = trace_service_pb2_grpc.TraceServiceStub(channel)
        for metadata in ((), (("x-otlp-api-key", "wrong"),)):
            try:
                await stub.Export(ExportTraceServiceRequest(), metadata=metadata, timeout=5)
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.UNAUTHENTICATED
                assert "x-otlp-api-key" in (exc.details() or "")
                assert API_KEY not in (exc.details() or ""), "the key is never echoed"
            else:
                raise AssertionError("an export without the key was accepted")
        await stub.Export(ExportTraceServiceRequest(), metadata=(("x-otlp-api-key", API_KEY),), timeout=5)
    await asyncio.sleep(0.2)
    assert sink.spans == []
    provider.shutdown()


@pytest.mark.parametrize("settings", [TelemetrySettings(max_body_bytes=10_000)])
async def test_a_grpc_message_over_the_limit_is_refused_with_resource_exhausted(
    receiver: OtlpReceiver, sink: RecordingSink
) -> None:
    from tests.telemetry.test_otlp_http import batch

    big = ExportTraceServiceRequest.FromString(batch("big", spans=400))
    async with grpc.aio.insecure_channel(receiver.endpoints.grpc_url.removeprefix("http://")) as channel:
        stub = trace_service_pb2_grpc.TraceServiceStub(channel)
        metadata = (("x-otlp-api-key", API_KEY),)
        try:
            await stub.Export(big, metadata=metadata, timeout=5)
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        else:
            raise AssertionError("a message over the limit was accepted")
        await stub.Export(ExportTraceServiceRequest.FromString(batch("small")), metadata=metadata, timeout=5)
    await sink.wait_for(lambda s: len(s.spans) == 1)
    assert sink.spans[0].name == "small"
