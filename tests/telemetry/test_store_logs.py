"""The store's logs: bounded (oldest evicted first, counted), filtered, paged by id."""

from __future__ import annotations

import tracemalloc

from pyspire.telemetry.queries import LogQuery
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import MemoryTelemetryStore
from tests.telemetry.store_records import log


def store(**limits: int) -> MemoryTelemetryStore:
    return MemoryTelemetryStore(TelemetrySettings(**limits))  # type: ignore[arg-type]


def test_logs_get_increasing_ids_and_the_oldest_are_evicted_first_and_counted():
    s = store(max_logs=5)
    s.add_logs([log(f"line {n}") for n in range(8)])
    kept = s.logs(LogQuery())
    assert [entry.body for entry in kept] == [f"line {n}" for n in range(3, 8)]
    assert [entry.id for entry in kept] == [4, 5, 6, 7, 8]
    stats = s.stats().logs
    assert (stats.stored, stats.limit, stats.evicted) == (5, 5, 3)


def test_log_filters_by_resource_severity_text_trace_and_attribute():
    s = store()
    s.add_logs(
        [
            log("Order placed", resource="api", severity="info", attributes={"order": 7}),
            log("order failed", resource="api", severity="error", trace_id="ab" * 16),
            log("cache miss", resource="cache", severity="warn", attributes={"hit": False}),
            log("debugging", resource="api", severity="debug"),
        ]
    )
    bodies = lambda **q: [e.body for e in s.logs(LogQuery(**q))]  # noqa: E731
    assert bodies(resource="cache") == ["cache miss"]
    assert bodies(min_severity="warn") == ["order failed", "cache miss"]
    assert bodies(text="ORDER") == ["Order placed", "order failed"], "text is a case-insensitive substring"
    assert bodies(trace_id="ab" * 16) == ["order failed"]
    assert bodies(attributes={"order": "7"}) == ["Order placed"], "attributes compare as text"
    assert bodies(attributes={"hit": "false"}) == ["cache miss"]
    assert bodies(resource="api", min_severity="info") == ["Order placed", "order failed"]
    assert bodies(resource="nobody") == []


def test_a_client_pages_back_with_before_and_forward_with_after_without_missing_any():
    s = store()
    s.add_logs([log(f"line {n}") for n in range(1, 11)])  # ids 1..10
    newest = s.logs(LogQuery(limit=3))
    assert [e.id for e in newest] == [8, 9, 10], "the newest page, oldest first"
    older = s.logs(LogQuery(before_id=newest[0].id, limit=3))
    assert [e.id for e in older] == [5, 6, 7]
    forward = s.logs(LogQuery(after_id=2, limit=3))
    assert [e.id for e in forward] == [3, 4, 5], "paging forward starts right after the cursor"
    assert [e.id for e in s.logs(LogQuery(after_id=3, before_id=7))] == [4, 5, 6]
    assert s.last_log_id() == 10


def test_clearing_one_resource_keeps_the_others_logs():
    s = store()
    s.add_logs([log("a", resource="api"), log("b", resource="worker"), log("c", resource="api")])
    s.clear("api")
    assert [e.body for e in s.logs(LogQuery())] == ["b"]
    assert s.logs(LogQuery(resource="api")) == []
    assert "api" not in s.stats().resources


def test_memory_stays_bounded_under_a_flood_of_logs():
    s = store(max_logs=2_000)
    batch = lambda n: [log(f"record {n}-{i} " + "x" * 200, attributes={"i": i}) for i in range(500)]  # noqa: E731
    for n in range(8):  # fill to the bound and a bit beyond
        s.add_logs(batch(n))
    tracemalloc.start()
    try:
        for n in range(8, 16):
            s.add_logs(batch(n))
        filled, _ = tracemalloc.get_traced_memory()
        for n in range(16, 56):  # 20,000 more records, 10 times the bound
            s.add_logs(batch(n))
        flooded, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert flooded < filled * 1.5 + 1_000_000, f"memory grew from {filled} to {flooded} bytes"
    kept = s.logs(LogQuery(limit=5_000))
    assert len(kept) == 2_000
    assert kept[0].body.startswith("record 52-0 "), "the oldest went first"
    assert s.stats().logs.evicted == 56 * 500 - 2_000
