"""The telemetry read API on a real app host's control API, queried with httpx and the token.

The store is fed directly (as the receiver would, from another thread); the service under test
is this package's store and routes, registered under a name of its own so the run's real
telemetry service (once wired) is turned off and does not answer first."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
from starlette.routing import BaseRoute

from pyspire import DistributedApplication
from pyspire.extensions import APP_HOST_SERVICES, AppHostServiceContext, AppHostSetup, TelemetryEnv
from pyspire.telemetry.routes import telemetry_routes
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import MemoryTelemetryStore, open_store
from pyspire.testing import AppHandle
from tests.telemetry.store_records import LATENCY, log, point, span, trace_id


class StoreUnderTest:
    name = "telemetry-store-under-test"

    def __init__(self, setup: AppHostSetup) -> None:
        store = open_store(TelemetrySettings.from_settings(setup.settings), setup)
        assert isinstance(store, MemoryTelemetryStore)
        self.store = store

    def routes(self) -> Sequence[BaseRoute]:
        return telemetry_routes(self.store)

    def telemetry_env(self) -> TelemetryEnv | None:
        return None

    async def start(self, context: AppHostServiceContext) -> None:
        return None

    async def stop(self) -> None:
        self.store.close()


@contextlib.asynccontextmanager
async def running(app_dir: Path) -> AsyncIterator[tuple[AppHandle, MemoryTelemetryStore]]:
    services: list[StoreUnderTest] = []

    def factory(setup: AppHostSetup) -> StoreUnderTest:
        services.append(StoreUnderTest(setup))
        return services[-1]

    app = DistributedApplication.create_builder(app_dir=app_dir).build()
    with APP_HOST_SERVICES.registered(factory):
        async with app.start(disabled_services=("telemetry", "dashboard")) as run:
            yield AppHandle(run), services[0].store


def from_thread(work: object) -> None:
    """Write as the receiver does: from a thread of its own."""
    thread = threading.Thread(target=work)  # type: ignore[arg-type]
    thread.start()
    thread.join()


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, object]]]:
    kind = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            yield kind, json.loads(line[6:])


async def test_logs_are_filtered_and_paged_with_after_and_before(tmp_path):
    async with running(tmp_path) as (app, store), app.api_client() as client:
        from_thread(
            lambda: store.add_logs(
                [log(f"order {n}", severity="error" if n % 3 == 0 else "info", attributes={"n": n}) for n in range(1, 11)]
                + [log("cache warm", resource="cache", trace_id=trace_id(5))]
            )
        )
        page = (await client.get("/v1/telemetry/logs", params={"resource": "api", "limit": 4})).json()
        assert [item["body"] for item in page["items"]] == ["order 7", "order 8", "order 9", "order 10"]
        assert page["last_id"] == 10
        first = page["items"][0]
        assert first["time"].endswith("Z") and "." in first["time"] and isinstance(first["time_ms"], float)
        assert (first["resource"], first["replica"], first["severity"]) == ("api", "api-abc123", "info")
        older = (await client.get("/v1/telemetry/logs", params={"before": first["id"], "limit": 2})).json()
        assert [item["body"] for item in older["items"]] == ["order 5", "order 6"]
        newer = (await client.get("/v1/telemetry/logs", params={"after": 10})).json()
        assert [item["body"] for item in newer["items"]] == ["cache warm"]
        errors = (await client.get("/v1/telemetry/logs", params={"severity": "error"})).json()
        assert [item["body"] for item in errors["items"]] == ["order 3", "order 6", "order 9"]
        filtered = await client.get("/v1/telemetry/logs", params=[("attribute", "n=4"), ("text", "ORDER")])
        assert [item["body"] for item in filtered.json()["items"]] == ["order 4"]
        by_trace = (await client.get("/v1/telemetry/logs", params={"trace_id": trace_id(5)})).json()
        assert [item["body"] for item in by_trace["items"]] == ["cache warm"]


async def test_a_bad_filter_value_is_refused_naming_the_parameter_and_what_it_accepts(tmp_path):
    async with running(tmp_path) as (app, _), app.api_client() as client:
        bad = await client.get("/v1/telemetry/logs", params={"severity": "loud"})
        assert bad.status_code == 400
        assert "severity" in bad.json()["message"] and "warn" in bad.json()["message"]
        bad = await client.get("/v1/telemetry/traces", params={"min_duration_ms": "slow"})
        assert bad.status_code == 400 and "min_duration_ms" in bad.json()["message"]
        bad = await client.get("/v1/telemetry/spans", params={"status": "broken"})
        assert bad.status_code == 400 and "error" in bad.json()["message"]
        bad = await client.get("/v1/telemetry/logs", params={"attribute": "no-equals"})
        assert bad.status_code == 400 and "KEY=VALUE" in bad.json()["message"]
        bad = await client.get("/v1/telemetry/logs", params={"resorce": "api"})
        assert bad.status_code == 400 and "resorce" in bad.json()["message"]
        bad = await client.get("/v1/telemetry/logs", params={"limit": "0"})
        assert bad.status_code == 400 and "limit" in bad.json()["message"]
        async with httpx.AsyncClient(base_url=app.api.url) as anonymous:
            assert (await anonymous.get("/v1/telemetry/logs")).status_code == 401, "behind the token"


async def test_one_trace_comes_with_its_spans_in_order_and_the_list_filters(tmp_path):
    async with running(tmp_path) as (app, store), app.api_client() as client:
        from_thread(
            lambda: store.add_spans(
                [
                    span(1, 2, parent=1, name="SELECT orders", resource="db", start_ms=5, duration_ms=20),
                    span(1, 1, name="GET /orders", start_ms=0, duration_ms=300, attributes={"http.route": "/orders"}),
                    span(2, 1, name="GET /health", start_ms=400, duration_ms=1, status="error"),
                ]
            )
        )
        trace = (await client.get(f"/v1/telemetry/traces/{trace_id(1)}")).json()
        assert (trace["name"], trace["span_count"], trace["resources"]) == ("GET /orders", 2, ["db", "api"])
        assert [s["name"] for s in trace["spans"]] == ["GET /orders", "SELECT orders"]
        root = trace["spans"][0]
        assert root["duration_ms"] == 300.0 and root["attributes"] == {"http.route": "/orders"}
        assert root["events"][0]["name"] == "checkpoint" and "time_ms" in root["events"][0]
        assert trace["spans"][1]["parent_span_id"] == root["span_id"]
        missing = await client.get(f"/v1/telemetry/traces/{trace_id(77)}")
        assert missing.status_code == 404 and trace_id(77) in missing.json()["message"]
        listed = (await client.get("/v1/telemetry/traces")).json()["items"]
        assert [t["trace_id"] for t in listed] == [trace_id(2), trace_id(1)], "newest first"
        slow = (await client.get("/v1/telemetry/traces", params={"min_duration_ms": 100})).json()["items"]
        assert [t["trace_id"] for t in slow] == [trace_id(1)]
        failing = (await client.get("/v1/telemetry/traces", params={"status": "error"})).json()["items"]
        assert [t["error_count"] for t in failing] == [1]
        spans = (await client.get("/v1/telemetry/spans", params={"resource": "db"})).json()["items"]
        assert [s["name"] for s in spans] == ["SELECT orders"]


async def test_metrics_list_and_series_with_points_since_a_time(tmp_path):
    async with running(tmp_path) as (app, store), app.api_client() as client:
        from_thread(
            lambda: store.add_metric_points(
                [point(1, at_ms=0), point(2, at_ms=1000), point(3, at_ms=0, instrument=LATENCY)]
            )
        )
        listed = (await client.get("/v1/telemetry/metrics")).json()["items"]
        requests = next(item for item in listed if item["name"] == "http.requests")
        assert (requests["kind"], requests["monotonic"], requests["point_count"]) == ("sum", True, 2)
        series = (await client.get("/v1/telemetry/metrics/http.requests", params={"resource": "api"})).json()
        assert series["instrument"]["unit"] == "{request}"
        assert [p["value"] for p in series["series"][0]["points"]] == [1, 2]
        first_ms = series["series"][0]["points"][0]["time_ms"]
        since = (await client.get("/v1/telemetry/metrics/http.requests", params={"since_ms": first_ms})).json()
        assert [p["value"] for p in since["series"][0]["points"]] == [2]
        histogram = (await client.get("/v1/telemetry/metrics/http.duration")).json()["series"][0]["points"][0]
        assert histogram["bucket_counts"] == [1, 2, 0] and histogram["bounds"] == [10.0, 100.0]
        missing = await client.get("/v1/telemetry/metrics/nope")
        assert missing.status_code == 404 and "nope" in missing.json()["message"]


async def test_a_log_watch_sends_the_first_page_then_each_new_record_and_ends_when_the_app_host_stops(tmp_path):
    seen: list[tuple[str, dict[str, object]]] = []
    async with running(tmp_path) as (app, store):
        store.add_logs([log("old one")])
        client = app.api_client()

        async def follow() -> None:
            params = {"watch": 1, "resource": "api"}
            async with client.stream("GET", "/v1/telemetry/logs", params=params, timeout=30) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                async for event in events(response):
                    seen.append(event)

        follower = asyncio.create_task(follow())
        while not seen:
            await asyncio.sleep(0.01)
        assert seen[0] == ("logs", {"items": [seen[0][1]["items"][0]]})  # type: ignore[index]
        assert seen[0][1]["items"][0]["body"] == "old one"  # type: ignore[index]
        from_thread(lambda: store.add_logs([log("from the cache", resource="cache"), log("new one")]))
        while len(seen) < 2:
            await asyncio.sleep(0.01)
        assert [item["body"] for item in seen[1][1]["items"]] == ["new one"], "only what matches the filter"  # type: ignore[attr-defined]
    await asyncio.wait_for(follower, 10)
    await client.aclose()
    assert seen[-1][0] == "closing", "the stream says the app host stopped, then ends"


async def test_trace_and_metric_watches_deliver_what_is_new(tmp_path):
    async with running(tmp_path) as (app, store), app.api_client() as client:
        traces: list[dict[str, object]] = []
        points: list[dict[str, object]] = []

        async def follow(path: str, into: list[dict[str, object]]) -> None:
            async with client.stream("GET", path, params={"watch": 1}, timeout=30) as response:
                async for _, data in events(response):
                    into.append(data)

        store.add_metric_points([point(1, at_ms=0)])
        tasks = [
            asyncio.create_task(follow("/v1/telemetry/traces", traces)),
            asyncio.create_task(follow("/v1/telemetry/metrics/http.requests", points)),
        ]
        try:
            while not traces or not points:
                await asyncio.sleep(0.01)
            assert traces[0] == {"items": []}
            assert [p["value"] for p in points[0]["series"][0]["points"]] == [1]  # type: ignore[index]
            from_thread(lambda: (store.add_spans([span(9, 1, name="GET /new")]), store.add_metric_points([point(2, at_ms=1000)])))
            while len(traces) < 2 or len(points) < 2:
                await asyncio.sleep(0.01)
            assert [t["name"] for t in traces[1]["items"]] == ["GET /new"]  # type: ignore[attr-defined]
            assert [p["value"] for p in points[1]["series"][0]["points"]] == [2], "only the new point"  # type: ignore[index]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def test_stats_count_what_is_stored_and_delete_clears_one_resource_or_all(tmp_path):
    async with running(tmp_path) as (app, store), app.api_client() as client:
        store.add_logs([log("a"), log("b", resource="cache")])
        store.add_spans([span(1, 1), span(1, 2, parent=1)])
        store.note_dropped("logs", 3)
        stats = (await client.get("/v1/telemetry/stats")).json()
        assert stats["logs"] == {"stored": 2, "limit": 10_000, "evicted": 0, "dropped": 3}
        assert (stats["traces"]["stored"], stats["spans"]["stored"], stats["spans"]["limit"]) == (1, 2, 320_000)
        assert stats["resources"]["api"] == {"logs": 1, "spans": 2, "metric_points": 0}
        assert stats["persisted"] is False
        assert (await client.delete("/v1/telemetry", params={"resource": "cache"})).json() == {"cleared": True}
        assert [i["body"] for i in (await client.get("/v1/telemetry/logs")).json()["items"]] == ["a"]
        await client.delete("/v1/telemetry")
        stats = (await client.get("/v1/telemetry/stats")).json()
        assert stats["logs"]["stored"] == 0 and stats["spans"]["stored"] == 0 and stats["resources"] == {}


async def test_with_persistence_the_previous_runs_telemetry_is_there_after_an_app_host_restart(tmp_path):
    (tmp_path / ".env").write_text("PYSPIRE_TELEMETRY_PERSIST=1\n")
    async with running(tmp_path) as (app, store):
        from_thread(lambda: (store.add_logs([log("from the first run")]), store.add_spans([span(3, 1, name="GET /x")])))
    assert (tmp_path / ".pyspire" / "telemetry.sqlite").exists()
    async with running(tmp_path) as (app, store), app.api_client() as client:
        logs = (await client.get("/v1/telemetry/logs")).json()["items"]
        assert [item["body"] for item in logs] == ["from the first run"]
        trace = await client.get(f"/v1/telemetry/traces/{trace_id(3)}")
        assert trace.status_code == 200 and trace.json()["name"] == "GET /x"
        assert (await client.get("/v1/telemetry/stats")).json()["persisted"] is True


async def test_a_log_watch_from_an_id_delivers_every_record_after_it_then_new_ones(tmp_path):
    """A client resuming a follow (``after=<last id it saw>``) misses nothing, however many
    records arrived meanwhile — more than one page of them."""
    bodies: list[str] = []
    async with running(tmp_path) as (app, store):
        store.add_logs([log(f"old {i}") for i in range(500)])
        client = app.api_client()

        async def follow() -> None:
            params = {"watch": 1, "after": 0, "limit": 200}
            async with client.stream("GET", "/v1/telemetry/logs", params=params, timeout=30) as response:
                async for kind, data in events(response):
                    if kind == "logs":
                        bodies.extend(item["body"] for item in data["items"])  # type: ignore[attr-defined]

        follower = asyncio.create_task(follow())
        while len(bodies) < 500:
            await asyncio.sleep(0.01)
        from_thread(lambda: store.add_logs([log("new one")]))
        while len(bodies) < 501:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(follower, 10)
    await client.aclose()
    assert bodies == [f"old {i}" for i in range(500)] + ["new one"]
