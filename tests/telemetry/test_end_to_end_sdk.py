"""End to end with the real OpenTelemetry SDK: instrumented services run under pyspire export
over gRPC and over HTTP/protobuf with nothing but the variables pyspire gives them, and what they
sent is in the read API under the right resource and replica — one trace across two services,
their logs tied to it, their metrics per replica. A wrong API key stores nothing."""

from __future__ import annotations

import httpx

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.telemetry.helpers import poll


def instrumented(builder, name: str):
    return builder.add_executable(name, PYTHON, APPS, "otel_service.py").with_http_endpoint(env="PORT")


async def test_a_request_across_two_services_is_one_trace_with_logs_and_metrics_per_replica(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    back = instrumented(b, "back").with_replicas(2)  # gRPC, the default
    instrumented(b, "front").with_env("DOWNSTREAM", back.get_endpoint("http")).with_otlp_exporter(
        protocol="http/protobuf"
    )
    async with testing.start(b) as app:
        await app.wait_for_log("front", "listening")
        back_replicas = {r.name for r in (await app.wait_for_resource("back")).replicas}
        assert len(back_replicas) == 2
        async with httpx.AsyncClient() as plain:
            traced = [(await plain.get(app.endpoint_url("front") + "/work")).json()["trace_id"] for _ in range(4)]
        async with app.api_client() as client:
            trace_id = traced[0]
            trace = await poll(
                client, f"/v1/telemetry/traces/{trace_id}", lambda t: t["span_count"] == 3
            )
            client_span = next(s for s in trace["spans"] if s["kind"] == "client")
            front_server = next(s for s in trace["spans"] if s["resource"] == "front" and s["kind"] == "server")
            back_server = next(s for s in trace["spans"] if s["resource"] == "back")
            assert client_span["resource"] == "front" and client_span["name"] == "call downstream"
            assert client_span["parent_span_id"] == front_server["span_id"]
            assert back_server["parent_span_id"] == client_span["span_id"], "the traceparent crossed"
            assert back_server["trace_id"] == front_server["trace_id"] == trace_id
            assert front_server["parent_span_id"] == ""
            assert back_server["replica"] in back_replicas
            assert front_server["replica"].startswith("front-")
            assert set(trace["resources"]) == {"front", "back"}
            assert trace["name"] == "GET /work" and trace["resource"] == "front"

            # Logs: each service's "did work", correlated with the request's span.
            logs = await poll(
                client,
                "/v1/telemetry/logs",
                lambda answer: {e["resource"] for e in answer["items"]} == {"front", "back"},
                params={"trace_id": trace_id},
            )
            for entry in logs["items"]:
                assert entry["body"] == "did work" and entry["severity"] == "info"
                assert entry["span_id"] in {front_server["span_id"], back_server["span_id"]}

            # Metrics: both replicas of back report their gauge, each as its own series.
            gauge = await poll(
                client,
                "/v1/telemetry/metrics/service.up",
                lambda answer: {s["replica"] for s in answer["series"]} == back_replicas,
                params={"resource": "back"},
            )
            assert gauge["instrument"]["kind"] == "gauge"
            assert all(p["value"] == 1 for s in gauge["series"] for p in s["points"])
            instruments = await poll(
                client,
                "/v1/telemetry/metrics",
                lambda answer: "work.requests" in {i["name"] for i in answer["items"]},
                params={"resource": "front"},
            )
            counter = next(i for i in instruments["items"] if i["name"] == "work.requests")
            assert counter["kind"] == "sum" and counter["monotonic"] is True
            assert counter["resource"] == "front"

            # Every request of the four is a trace of its own (newest first in the list).
            listed = await poll(
                client,
                "/v1/telemetry/traces",
                lambda answer: set(traced) <= {t["trace_id"] for t in answer["items"]},
                params={"resource": "back"},
            )
            assert all(t["span_count"] >= 1 for t in listed["items"])


async def test_a_wrong_api_key_is_refused_nothing_is_stored_and_the_exporter_reports_failure(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    instrumented(b, "rogue").with_env("OTEL_EXPORTER_OTLP_HEADERS", "x-otlp-api-key=not-the-key")
    instrumented(b, "honest")
    async with testing.start(b) as app:
        await app.wait_for_log("rogue", "listening")
        await app.wait_for_log("honest", "listening")
        async with httpx.AsyncClient() as plain:
            await plain.get(app.endpoint_url("rogue") + "/work")
            await plain.get(app.endpoint_url("honest") + "/work")
        await app.wait_for_log("honest", "span export: SUCCESS")
        await app.wait_for_log("rogue", "span export: FAILURE")
        async with app.api_client() as client:
            await poll(client, "/v1/telemetry/spans", lambda a: len(a["items"]) >= 1, params={"resource": "honest"})
            assert (await client.get("/v1/telemetry/spans", params={"resource": "rogue"})).json()["items"] == []
            assert (await client.get("/v1/telemetry/logs", params={"resource": "rogue"})).json()["items"] == []
            stats = (await client.get("/v1/telemetry/stats")).json()
            assert "rogue" not in stats["resources"] and "honest" in stats["resources"]
