"""OTLP over HTTP: the SDK's http/protobuf exporters arrive decoded; OTLP/JSON with hex ids is
read right; gzip works; other content types get 415, bodies over the limit 413 (a gzip bomb too),
a missing or wrong key 401; a flood beyond the queue drops the oldest batches and counts them."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

from pyspire.telemetry.receiver import OtlpReceiver
from pyspire.telemetry.settings import TelemetrySettings
from tests.telemetry.conftest import API_KEY, RecordingSink, make_setup
from tests.telemetry.scenario import send_and_check
from tests.telemetry.sdk import providers

KEY = {"x-otlp-api-key": API_KEY}
PROTOBUF = {"content-type": "application/x-protobuf", **KEY}
TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"
PARENT_ID = "eee19b7ec3c1b173"

OTLP_JSON = {
    "resourceSpans": [
        {
            "resource": {
                "attributes": [
                    {"key": "service.name", "value": {"stringValue": "api"}},
                    {"key": "service.instance.id", "value": {"stringValue": "xyzxyzxy"}},
                ]
            },
            "scopeSpans": [
                {
                    "scope": {"name": "hand-made"},
                    "spans": [
                        {
                            "traceId": TRACE_ID,
                            "spanId": SPAN_ID,
                            "parentSpanId": PARENT_ID,
                            "name": "I'm a server span",
                            "startTimeUnixNano": "1544712660000000000",
                            "endTimeUnixNano": "1544712661000000000",
                            "kind": 2,
                            "attributes": [{"key": "my.span.attr", "value": {"intValue": "42"}}],
                            "links": [{"traceId": TRACE_ID, "spanId": PARENT_ID}],
                            "status": {"code": 2, "message": "boom"},
                            "someFutureField": True,
                        }
                    ],
                }
            ],
        }
    ]
}


def batch(name: str, spans: int = 1) -> bytes:
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                scope_spans=[
                    ScopeSpans(
                        spans=[
                            OtlpSpan(
                                trace_id=bytes(range(16)),
                                span_id=i.to_bytes(8, "big"),
                                name=name,
                                attributes=[KeyValue(key="i", value=AnyValue(int_value=i))],
                            )
                            for i in range(1, spans + 1)
                        ]
                    )
                ]
            )
        ]
    )
    return request.SerializeToString()


def post(receiver: OtlpReceiver, path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{receiver.endpoints.http_url}{path}", content=content, headers=headers, timeout=10)


async def test_spans_logs_and_metrics_from_the_sdk_over_http_protobuf_arrive_decoded_with_their_replica(
    receiver: OtlpReceiver, sink: RecordingSink
) -> None:
    with providers("http/protobuf", receiver.endpoints.http_url, API_KEY) as p:
        await send_and_check(p, sink)


async def test_gzip_compressed_http_exports_from_the_sdk_arrive(receiver: OtlpReceiver, sink: RecordingSink) -> None:
    with providers("http/protobuf", receiver.endpoints.http_url, API_KEY, gzip=True) as p:
        await send_and_check(p, sink)


async def test_otlp_json_with_hex_ids_keeps_the_ids_and_answers_json(receiver: OtlpReceiver, sink: RecordingSink) -> None:
    response = post(receiver, "/v1/traces", json.dumps(OTLP_JSON).encode(), {"content-type": "application/json", **KEY})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json") and response.json() == {}
    await sink.wait_for(lambda s: len(s.spans) == 1)
    (span,) = sink.spans
    assert (span.trace_id, span.span_id, span.parent_span_id) == (TRACE_ID, SPAN_ID, PARENT_ID)
    assert (span.links[0].trace_id, span.links[0].span_id) == (TRACE_ID, PARENT_ID)
    assert (span.kind, span.status, span.status_message) == ("server", "error", "boom")
    assert span.attributes == {"my.span.attr": 42}
    assert (span.start_ns, span.duration_ns) == (1544712660000000000, 1_000_000_000)
    assert (span.origin.resource, span.origin.replica, span.scope) == ("api", "api-xyzxyzxy", "hand-made")


async def test_a_gzip_json_body_is_read_and_a_protobuf_request_gets_a_protobuf_answer(
    receiver: OtlpReceiver, sink: RecordingSink
) -> None:
    body = gzip.compress(json.dumps(OTLP_JSON).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip", **KEY}
    assert post(receiver, "/v1/traces", body, headers).status_code == 200
    response = post(receiver, "/v1/traces", gzip.compress(batch("pb")), {**PROTOBUF, "content-encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-protobuf"
    assert ExportTraceServiceResponse.FromString(response.content) == ExportTraceServiceResponse()
    await sink.wait_for(lambda s: len(s.spans) == 2)
    assert sorted(s.name for s in sink.spans) == ["I'm a server span", "pb"]


async def test_json_with_an_id_that_is_not_hex_is_a_400_naming_the_field(receiver: OtlpReceiver) -> None:
    bad = json.loads(json.dumps(OTLP_JSON))
    bad["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = "7u6XnsPBsXQ="  # base64, not hex
    response = post(receiver, "/v1/traces", json.dumps(bad).encode(), {"content-type": "application/json", **KEY})
    assert response.status_code == 400 and "spanId" in response.json()["message"]
    assert post(receiver, "/v1/logs", b"\xff\xff not protobuf", PROTOBUF).status_code == 400


async def test_other_content_types_and_encodings_get_415(receiver: OtlpReceiver, sink: RecordingSink) -> None:
    response = post(receiver, "/v1/traces", b"hello", {"content-type": "text/plain", **KEY})
    assert response.status_code == 415 and "application/x-protobuf" in response.text
    assert post(receiver, "/v1/metrics", batch("x"), {**PROTOBUF, "content-encoding": "br"}).status_code == 415
    assert sink.spans == []


@pytest.mark.parametrize("settings", [TelemetrySettings(max_body_bytes=10_000)])
async def test_a_body_over_the_limit_and_a_gzip_bomb_get_413(receiver: OtlpReceiver, sink: RecordingSink) -> None:
    big = batch("big", spans=400)
    assert len(big) > 10_000
    response = post(receiver, "/v1/traces", big, PROTOBUF)
    assert response.status_code == 413 and "PYSPIRE_OTLP_MAX_BODY_BYTES" in response.text
    bomb = gzip.compress(b"\0" * 8_000_000)  # 8 MB of zeros in ~8 KB
    assert len(bomb) < 10_000, "small on the wire"
    response = post(receiver, "/v1/traces", bomb, {**PROTOBUF, "content-encoding": "gzip"})
    assert response.status_code == 413 and "decompressed" in response.text
    assert post(receiver, "/v1/traces", batch("small"), PROTOBUF).status_code == 200
    await sink.wait_for(lambda s: len(s.spans) == 1)


async def test_a_missing_or_wrong_key_gets_401_without_echoing_the_key(receiver: OtlpReceiver, sink: RecordingSink) -> None:
    for headers in ({}, {"x-otlp-api-key": "wrong"}):
        response = post(receiver, "/v1/traces", batch("x"), {"content-type": "application/x-protobuf", **headers})
        assert response.status_code == 401 and "x-otlp-api-key" in response.text
        assert API_KEY not in response.text
    json_response = post(receiver, "/v1/traces", b"{}", {"content-type": "application/json"})
    assert json_response.status_code == 401 and json_response.json()["code"] == 16
    time.sleep(0.2)
    assert sink.spans == []


async def test_a_flood_beyond_the_queue_drops_the_oldest_batches_and_counts_their_spans(tmp_path: Path) -> None:
    sink = RecordingSink()
    sink.delay = 0.5  # a store that cannot keep up
    receiver = OtlpReceiver(sink, TelemetrySettings(max_queued_batches=3), API_KEY, make_setup(tmp_path))
    await receiver.start()
    try:
        async with httpx.AsyncClient(base_url=receiver.endpoints.http_url) as client:
            statuses = [
                (await client.post("/v1/traces", content=batch(f"b{i}", spans=10), headers=PROTOBUF)).status_code
                for i in range(12)
            ]
        assert statuses == [200] * 12, "the sender is not made to retry into the flood"
        await sink.wait_for(lambda s: len(s.spans) + s.dropped.get("traces", 0) == 120, timeout=20)
        names = {s.name for s in sink.spans}
        assert {"b9", "b10", "b11"} <= names, "the newest batches are kept"
        assert sink.dropped["traces"] >= 70, "the oldest waiting batches were dropped, counted in spans"
        assert sink.dropped["traces"] % 10 == 0 and receiver.counts().dropped_batches * 10 == sink.dropped["traces"]
    finally:
        await receiver.stop()
