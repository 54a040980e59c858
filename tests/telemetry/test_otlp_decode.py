"""Decoding OTLP messages into records: the limits hold (attribute count and length, span
events), severities, kinds and statuses map as records.py says, every metric kind becomes
points (an exponential histogram with explicit bounds), and the origin names the replica."""

from __future__ import annotations

import math
from pathlib import Path

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Metric,
    ResourceMetrics,
    ScopeMetrics,
    Summary,
    SummaryDataPoint,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Status
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

from pyspire.model.names import random_suffix, stable_suffix
from pyspire.telemetry.origins import OriginResolver, replica_name
from pyspire.telemetry.otlp_attributes import AttributeLimits
from pyspire.telemetry.otlp_decode import Decoder, exponential_to_explicit, severity_of
from tests.telemetry.conftest import make_setup


def resource(service: str, instance: str = "") -> Resource:
    attributes = [KeyValue(key="service.name", value=AnyValue(string_value=service))]
    if instance:
        attributes.append(KeyValue(key="service.instance.id", value=AnyValue(string_value=instance)))
    return Resource(attributes=attributes)


def decoder(tmp_path: Path, max_attributes: int = 128, max_length: int = 4096, max_events: int = 128) -> Decoder:
    limits = AttributeLimits(max_attributes, max_length)
    return Decoder(OriginResolver(make_setup(tmp_path, ["api", "worker"]).model, limits), limits, max_events)


def kv(key: str, **value: object) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(**value))  # type: ignore[arg-type]


def test_attribute_limits_keep_the_first_ones_count_the_rest_and_cut_long_strings(tmp_path: Path) -> None:
    span = OtlpSpan(
        trace_id=b"\x01" * 16,
        span_id=b"\x02" * 8,
        name="limited",
        attributes=[kv(f"k{i}", string_value="x" * 50) for i in range(5)],
        events=[OtlpSpan.Event(name=f"e{i}", time_unix_nano=i) for i in range(4)],
        dropped_attributes_count=1,
    )
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(resource=resource("api"), scope_spans=[ScopeSpans(spans=[span])])]
    )
    (decoded,) = decoder(tmp_path, max_attributes=3, max_length=10, max_events=2).spans(request)
    assert list(decoded.attributes) == ["k0", "k1", "k2"]
    assert all(v == "x" * 10 for v in decoded.attributes.values())
    assert [e.name for e in decoded.events] == ["e0", "e1"]
    assert decoded.dropped_attributes == 2 + 2 + 1, "attributes and events over the limits, plus the sender's"


def test_every_attribute_value_kind_is_kept_bytes_as_hex(tmp_path: Path) -> None:
    attributes = [
        kv("s", string_value="text"),
        kv("b", bool_value=True),
        kv("i", int_value=-7),
        kv("d", double_value=1.5),
        kv("raw", bytes_value=b"\xde\xad"),
        kv("list", array_value=ArrayValue(values=[AnyValue(int_value=1), AnyValue(string_value="two")])),
        kv("map", kvlist_value=KeyValueList(values=[kv("inner", bool_value=False)])),
        KeyValue(key="empty"),
    ]
    span = OtlpSpan(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="values", attributes=attributes)
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])])
    (decoded,) = decoder(tmp_path).spans(request)
    assert decoded.attributes == {
        "s": "text",
        "b": True,
        "i": -7,
        "d": 1.5,
        "raw": "dead",
        "list": (1, "two"),
        "map": {"inner": False},
        "empty": None,
    }
    assert (decoded.origin.resource, decoded.origin.known) == ("unknown_service", False)


def test_kinds_and_statuses_map_to_the_records_words(tmp_path: Path) -> None:
    spans = [
        OtlpSpan(trace_id=b"\x01" * 16, span_id=bytes([i + 1]) * 8, kind=i, status=Status(code=i % 3))
        for i in range(6)
    ]
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])])
    decoded = decoder(tmp_path).spans(request)
    assert [s.kind for s in decoded] == ["unspecified", "internal", "server", "client", "producer", "consumer"]
    assert [s.status for s in decoded] == ["unset", "ok", "error"] * 2


def test_severities_map_by_number_and_else_by_text() -> None:
    assert [severity_of(n, "") for n in (1, 4, 5, 9, 12, 13, 17, 21, 24)] == [
        "trace", "trace", "debug", "info", "info", "warn", "error", "fatal", "fatal",
    ]  # fmt: skip
    assert severity_of(0, "WARNING") == "warn" and severity_of(0, "critical") == "fatal"
    assert severity_of(0, "") == "unspecified" and severity_of(0, "chatty") == "unspecified"


def test_log_records_keep_their_body_time_and_span_and_a_structured_body_becomes_json(tmp_path: Path) -> None:
    records = [
        LogRecord(
            time_unix_nano=5, severity_number=17, severity_text="ERROR", body=AnyValue(string_value="failed"),
            trace_id=b"\xab" * 16, span_id=b"\xcd" * 8,
        ),
        LogRecord(
            observed_time_unix_nano=9,
            body=AnyValue(kvlist_value=KeyValueList(values=[kv("event", string_value="login"), kv("n", int_value=2)])),
            trace_id=b"\0" * 16,
        ),
    ]  # fmt: skip
    request = ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(resource=resource("worker", "abcdefgh"), scope_logs=[ScopeLogs(log_records=records)])]
    )
    first, second = decoder(tmp_path).logs(request)
    assert (first.time_ns, first.severity, first.body, first.trace_id, first.span_id) == (
        5, "error", "failed", "ab" * 16, "cd" * 8,
    )  # fmt: skip
    assert (second.time_ns, second.severity, second.body) == (9, "unspecified", '{"event":"login","n":2}')
    assert second.trace_id == "" and second.span_id == "", "all-zero ids mean no span"
    assert (first.origin.resource, first.origin.replica, first.origin.known) == ("worker", "worker-abcdefgh", True)


def test_an_exponential_histogram_becomes_explicit_bounds_that_hold_its_counts() -> None:
    point = ExponentialHistogramDataPoint(
        count=10, sum=30.0, scale=0, zero_count=1, zero_threshold=0.0,
        positive=ExponentialHistogramDataPoint.Buckets(offset=1, bucket_counts=[2, 3, 1]),
        negative=ExponentialHistogramDataPoint.Buckets(offset=0, bucket_counts=[1, 2]),
        min=-4.0, max=16.0,
    )  # fmt: skip
    value = exponential_to_explicit(point)
    # base 2: negatives [-4,-2), [-2,-1); zeros; positives (2,4], (4,8], (8,16]; the gap (0,2] is empty
    assert value.bounds == (-4.0, -2.0, -1.0, 0.0, 2.0, 4.0, 8.0, 16.0)
    assert value.bucket_counts == (0, 2, 1, 1, 0, 2, 3, 1, 0)
    assert sum(value.bucket_counts) == value.count == 10
    assert (value.sum, value.min, value.max) == (30.0, -4.0, 16.0)
    scaled = exponential_to_explicit(
        ExponentialHistogramDataPoint(count=1, scale=1, positive=ExponentialHistogramDataPoint.Buckets(offset=0, bucket_counts=[1]))
    )
    assert scaled.bounds[0] == 1.0 and math.isclose(scaled.bounds[1], math.sqrt(2)), "scale 1: base √2"
    assert scaled.bucket_counts == (0, 1, 0) and scaled.sum is None


def test_summaries_and_exponential_histograms_become_points(tmp_path: Path) -> None:
    metrics = [
        Metric(name="rpc.duration", unit="s", summary=Summary(data_points=[SummaryDataPoint(count=4, sum=2.5, time_unix_nano=3)])),
        Metric(
            name="latency",
            exponential_histogram=ExponentialHistogram(
                aggregation_temporality=1,
                data_points=[ExponentialHistogramDataPoint(count=2, positive=ExponentialHistogramDataPoint.Buckets(bucket_counts=[2]))],
            ),
        ),
    ]
    request = ExportMetricsServiceRequest(resource_metrics=[ResourceMetrics(scope_metrics=[ScopeMetrics(metrics=metrics)])])
    summary, exponential = decoder(tmp_path).metric_points(request)
    assert (summary.instrument.kind, summary.value, summary.histogram, summary.time_ns) == ("summary", 2.5, None, 3)
    assert exponential.instrument.kind == "exponential_histogram" and exponential.instrument.temporality == "delta"
    assert exponential.histogram is not None and exponential.histogram.bucket_counts == (0, 2, 0)


def test_replica_names_follow_the_executors_suffixes_and_nothing_else() -> None:
    for suffix in (random_suffix(), random_suffix(), stable_suffix("app/db")):
        assert replica_name("api", suffix) == f"api-{suffix}"
    assert replica_name("api", "") == ""
    assert replica_name("api", "my-host-1") == "", "an instance id the sender chose names no replica"
    assert replica_name("api", "abcdefgi") == "", "i is not in the suffix alphabet"



def test_lazy_attributes_read_like_a_dict_and_become_plain_dicts_for_json_pickle_and_copy(tmp_path: Path) -> None:
    import copy
    import json
    import pickle

    span = OtlpSpan(
        trace_id=b"\x01" * 16,
        span_id=b"\x02" * 8,
        attributes=[kv("http.route", string_value="/orders"), kv("n", int_value=3), kv("cut", string_value="y" * 20)],
    )
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])])
    (decoded,) = decoder(tmp_path, max_attributes=2, max_length=5).spans(request)
    attributes = decoded.attributes
    assert attributes == {"http.route": "/orde", "n": 3}, "limits apply when it is first read"
    assert attributes["n"] == 3 and "cut" not in attributes and len(attributes) == 2
    assert decoded.dropped_attributes == 1, "known at once, before anything reads the attributes"
    assert json.dumps(dict(attributes)) == '{"http.route": "/orde", "n": 3}'
    for plain in (pickle.loads(pickle.dumps(attributes)), copy.deepcopy(attributes), copy.copy(attributes)):
        assert type(plain) is dict and plain == {"http.route": "/orde", "n": 3}


def test_batches_from_one_replica_share_one_origin_and_another_replica_gets_its_own(tmp_path: Path) -> None:
    d = decoder(tmp_path)

    def origin_of(instance: str):  # type: ignore[no-untyped-def]
        span = OtlpSpan(trace_id=b"\x01" * 16, span_id=b"\x02" * 8)
        request = ExportTraceServiceRequest(
            resource_spans=[ResourceSpans(resource=resource("api", instance), scope_spans=[ScopeSpans(spans=[span])])]
        )
        return d.spans(request)[0].origin

    first, again, other = origin_of("abcdefgh"), origin_of("abcdefgh"), origin_of("bcdefghj")
    assert first is again, "one Origin object per sender"
    assert (first.replica, other.replica) == ("api-abcdefgh", "api-bcdefghj")
