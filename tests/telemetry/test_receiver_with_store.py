"""The receiver writing into the real store: what the SDK sends can be found by trace id and by
attribute (the lazily converted attributes filter and render like any other), and the read
API's JSON shapes render it; with persistence on, it survives a reopen of the store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pyspire.telemetry.json_shapes import span_json, trace_json
from pyspire.telemetry.queries import LogQuery, SpanQuery
from pyspire.telemetry.receiver import OtlpReceiver
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import open_store
from tests.telemetry.conftest import API_KEY, make_setup
from tests.telemetry.scenario import emit
from tests.telemetry.sdk import providers


async def wait_until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for the store"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
async def test_sdk_telemetry_is_found_in_the_real_store_by_trace_and_attribute(tmp_path: Path, protocol: str) -> None:
    setup = make_setup(tmp_path)
    settings = TelemetrySettings()
    store = open_store(settings, setup)
    receiver = OtlpReceiver(store, settings, API_KEY, setup)
    await receiver.start()
    try:
        url = receiver.endpoints.grpc_url if protocol == "grpc" else receiver.endpoints.http_url
        with providers(protocol, url, API_KEY) as p:  # type: ignore[arg-type]
            trace_id, root_id, child_id = await asyncio.to_thread(emit, p)
        await wait_until(lambda: (t := store.trace(trace_id)) is not None and len(t.spans) == 2)
        trace = store.trace(trace_id)
        assert trace is not None
        assert (trace.summary.name, trace.summary.resource, trace.summary.error_count) == ("GET /orders", "api", 1)
        (found,) = store.spans(SpanQuery(attributes={"http.route": "/orders"}))
        assert found.span_id == root_id
        assert store.spans(SpanQuery(attributes={"db.rows": "3"}))[0].span_id == child_id
        rendered = json.loads(json.dumps(trace_json(trace)))
        child = next(s for s in rendered["spans"] if s["span_id"] == child_id)
        assert child["attributes"]["db.tags"] == ["a", "b"] and child["replica"] == "api-bcdefghj"
        assert span_json(found)["attributes"]["http.route"] == "/orders"
        await wait_until(lambda: len(store.logs(LogQuery(trace_id=trace_id))) == 1)
        assert store.logs(LogQuery(trace_id=trace_id))[0].span_id == child_id
    finally:
        await receiver.stop()
        store.close()


async def test_with_persistence_what_the_receiver_stored_survives_a_reopen(tmp_path: Path) -> None:
    setup = make_setup(tmp_path)
    settings = TelemetrySettings(persist=True)
    store = open_store(settings, setup)
    receiver = OtlpReceiver(store, settings, API_KEY, setup)
    await receiver.start()
    try:
        with providers("grpc", receiver.endpoints.grpc_url, API_KEY) as p:
            trace_id, root_id, child_id = await asyncio.to_thread(emit, p)
        await wait_until(lambda: (t := store.trace(trace_id)) is not None and len(t.spans) == 2)
    finally:
        await receiver.stop()
        store.close()
    reopened = open_store(settings, setup)
    try:
        trace = reopened.trace(trace_id)
        assert trace is not None and {s.span_id for s in trace.spans} == {root_id, child_id}
        child = next(s for s in trace.spans if s.span_id == child_id)
        assert list(child.attributes["db.tags"]) == ["a", "b"]  # type: ignore[arg-type]
        assert child.origin.replica == "api-bcdefghj"
    finally:
        reopened.close()
