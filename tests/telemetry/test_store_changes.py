"""Following the store: a write on another thread wakes a reader on its loop; a flood is
coalesced; closing the store ends every follower."""

from __future__ import annotations

import asyncio
import threading

from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import COALESCE_SECONDS, MemoryTelemetryStore
from tests.telemetry.store_records import log, point, span, trace_id


async def test_a_write_from_another_thread_reaches_a_follower_with_what_changed():
    s = MemoryTelemetryStore(TelemetrySettings())
    changes = s.changes()  # registered at once: what is written next is not missed
    writer = threading.Thread(target=lambda: (s.add_logs([log("a"), log("b")]), s.add_spans([span(4, 1)])))
    writer.start()
    writer.join()
    seen = await asyncio.wait_for(anext(changes), 5)
    if seen.kinds != {"logs", "traces"}:  # the first write may have woken it alone
        seen = await asyncio.wait_for(anext(changes), 5)
        assert seen.kinds == {"traces"}
    assert trace_id(4) in seen.trace_ids
    assert seen.last_log_id == 2
    s.add_metric_points([point(1, at_ms=0)])
    seen = await asyncio.wait_for(anext(changes), 5)
    assert seen.kinds == {"metrics"} and seen.instruments == {("http.requests", "api")}
    await changes.aclose()  # type: ignore[attr-defined]


async def test_a_flood_wakes_a_follower_a_bounded_number_of_times_and_nothing_is_lost():
    s = MemoryTelemetryStore(TelemetrySettings(max_logs=100_000))
    changes = s.changes()
    stop = threading.Event()

    def flood() -> None:
        while not stop.is_set():
            s.add_logs([log("x")])

    writer = threading.Thread(target=flood)
    writer.start()
    wakes = 0
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        while loop.time() - began < 0.5:
            change = await asyncio.wait_for(anext(changes), 5)
            wakes += 1
            last = change.last_log_id
    finally:
        stop.set()
        writer.join()
    elapsed = loop.time() - began
    assert wakes <= elapsed / COALESCE_SECONDS + 2, f"{wakes} wakes in {elapsed:.2f}s: not coalesced"
    assert last > wakes, "each wake stood for many writes"
    await changes.aclose()  # type: ignore[attr-defined]


async def test_closing_the_store_ends_every_follower_and_later_ones_at_once():
    s = MemoryTelemetryStore(TelemetrySettings())
    changes = s.changes()
    waiting = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0.01)
    threading.Thread(target=s.close).start()
    try:
        await asyncio.wait_for(waiting, 5)
        raise AssertionError("a change came from nowhere")
    except StopAsyncIteration:
        pass
    assert [c async for c in s.changes()] == []
    s.add_logs([log("after close")])  # reads and writes still answer
    assert s.last_log_id() == 1


async def test_reads_on_the_loop_while_another_thread_writes_see_consistent_bounded_data():
    s = MemoryTelemetryStore(TelemetrySettings(max_logs=500, max_traces=50, max_metric_points=300))
    from pyspire.telemetry.queries import LogQuery, SpanQuery, TraceQuery

    def write() -> None:
        for n in range(1, 301):
            s.add_logs([log(f"l{n}-{i}") for i in range(10)])
            s.add_spans([span(n, 1, start_ms=n), span(n, 2, parent=1, resource="db", start_ms=n)])
            s.add_metric_points([point(n, at_ms=n)])

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        page = s.logs(LogQuery(limit=1000))
        assert len(page) <= 500 and [e.id for e in page] == sorted(e.id for e in page)
        assert len(s.traces(TraceQuery(limit=1000))) <= 50
        assert len(s.spans(SpanQuery(limit=1000))) <= 100
        s.stats()
        await asyncio.sleep(0)
    writer.join()
    stats = s.stats()
    assert (stats.logs.stored, stats.logs.evicted) == (500, 2_500)
    assert (stats.traces.stored, stats.traces.evicted) == (50, 250)
    assert s.traces(TraceQuery(limit=1))[0].trace_id == trace_id(300), "the newest stayed"
