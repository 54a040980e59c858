#!/usr/bin/env python3
"""What the telemetry store costs: ingestion, reads, waking a follower, persistence.

In-process, no child processes. Each figure has a reference measured in the same run:

- **ingest**: ``add_spans`` / ``add_logs`` of 200,000 records in batches of 500 (the receiver's
  batches) into the bounded, indexed store at its default limits (so it evicts for most of the
  run), vs appending the same batches to a plain list (no bound, no index, no lock): the price
  of bounding and indexing.
- **ingest, persisted**: the same into a store mirrored to SQLite (``PYSPIRE_TELEMETRY_PERSIST=1``)
  vs the memory store: what the caller (the receiver's thread) waits; the writer thread's own
  time to get it on disk is printed too.
- **query**: the read API's common reads on a full store (10,000 logs, 10,000 traces):
  logs of one resource (page of 200), traces of one resource (page of 100), one trace, vs a
  linear scan of a plain list for the same logs.
- **wake**: a write on another thread until a ``changes()`` follower on the event loop has it
  (what bounds how soon the dashboard shows a new span), vs a bare
  ``call_soon_threadsafe(event.set)`` from that thread.
- **load**: opening a full persisted store (what a restart with persistence pays) .

    .venv/bin/python benchmarks/bench_telemetry_store.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyspire.telemetry.persistence import TelemetryFile  # noqa: E402
from pyspire.telemetry.queries import LogQuery, TraceQuery  # noqa: E402
from pyspire.telemetry.settings import TelemetrySettings  # noqa: E402
from pyspire.telemetry.store import MemoryTelemetryStore  # noqa: E402
from tests.telemetry.store_records import log, span  # noqa: E402

RECORDS = 200_000
BATCH = 500
RESOURCES = ("api", "worker", "db", "cache")


def spans(count: int) -> list[list]:
    batches, batch = [], []
    for n in range(count):
        trace, position = divmod(n, 8)
        batch.append(
            span(trace + 1, position + 1, parent=None if position == 0 else 1, resource=RESOURCES[trace % 4],
                 start_ms=trace + position, attributes={"http.route": f"/r{trace % 50}"})
        )  # fmt: skip
        if len(batch) == BATCH:
            batches.append(batch)
            batch = []
    return batches


def logs(count: int) -> list[list]:
    return [
        [log(f"record {b}-{i}", resource=RESOURCES[i % 4], attributes={"i": i}) for i in range(BATCH)]
        for b in range(count // BATCH)
    ]


def timed(work) -> float:  # noqa: ANN001
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def ingest(store: MemoryTelemetryStore, span_batches: list[list], log_batches: list[list]) -> float:
    def run() -> None:
        for batch in span_batches:
            store.add_spans(batch)
        for batch in log_batches:
            store.add_logs(batch)

    return timed(run)


def reference_ingest(span_batches: list[list], log_batches: list[list]) -> float:
    kept: list = []

    def run() -> None:
        for batch in span_batches:
            kept.extend(batch)
        for batch in log_batches:
            kept.extend(batch)

    return timed(run)


async def wake_latency(rounds: int) -> tuple[float, float]:
    store = MemoryTelemetryStore(TelemetrySettings())
    loop = asyncio.get_running_loop()
    changes = store.changes()
    ours, reference = [], []
    for n in range(rounds):
        await asyncio.sleep(0.03)  # a quiet spell, as between a user's clicks
        began = time.perf_counter()
        threading.Thread(target=store.add_spans, args=([span(n + 1, 1)],)).start()
        await anext(changes)
        ours.append(time.perf_counter() - began)
        event = asyncio.Event()
        began = time.perf_counter()
        threading.Thread(target=loop.call_soon_threadsafe, args=(event.set,)).start()
        await event.wait()
        reference.append(time.perf_counter() - began)
    await changes.aclose()  # type: ignore[attr-defined]
    return statistics.median(ours), statistics.median(reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    span_batches, log_batches = spans(RECORDS // 2), logs(RECORDS // 2)

    memory, reference = [], []
    for _ in range(args.runs):
        reference.append(reference_ingest(span_batches, log_batches))
        memory.append(ingest(MemoryTelemetryStore(TelemetrySettings()), span_batches, log_batches))
    m, r = statistics.median(memory), statistics.median(reference)
    print(f"ingest {RECORDS:,} records: store {RECORDS / m:,.0f}/s, plain list {RECORDS / r:,.0f}/s, store/list time {m / r:.1f}x")

    persisted, written = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            state = Path(folder) / f"run{run}"
            file, _ = TelemetryFile.open(state)
            store = MemoryTelemetryStore(TelemetrySettings(persist=True), file)
            persisted.append(ingest(store, span_batches, log_batches))
            written.append(timed(store.close))
        p = statistics.median(persisted)
        print(
            f"ingest, persisted: caller {RECORDS / p:,.0f}/s, persisted/memory {p / m:.2f}x; "
            f"writer thread still busy {statistics.median(written):.2f}s after the last batch"
        )
        loads = []
        for _ in range(args.runs):
            began = time.perf_counter()
            file, loaded = TelemetryFile.open(Path(folder) / "run0")
            store = MemoryTelemetryStore(TelemetrySettings(persist=True), file)
            store.load(loaded)
            loads.append(time.perf_counter() - began)
            stats = store.stats()
            store.close()
        print(
            f"load a full file ({stats.logs.stored:,} logs, {stats.spans.stored:,} spans): "
            f"{statistics.median(loads) * 1000:.0f} ms"
        )

    store = MemoryTelemetryStore(TelemetrySettings())
    ingest(store, span_batches, log_batches)
    plain = [entry for batch in log_batches for entry in batch][-10_000:]
    some = store.traces(TraceQuery(limit=1))[0].trace_id
    reads = {
        "logs of one resource": lambda: store.logs(LogQuery(resource="db")),
        "traces of one resource": lambda: store.traces(TraceQuery(resource="db")),
        "one trace": lambda: store.trace(some),
        "reference: scan a list for those logs": lambda: [e for e in plain if e.origin.resource == "db"][-200:],
    }
    for name, read in reads.items():
        figure = statistics.median(timed(read) for _ in range(50))
        print(f"query {name}: {figure * 1000:.2f} ms")

    ours, ref = asyncio.run(wake_latency(40))
    print(f"wake a follower after a write on another thread: {ours * 1000:.2f} ms, bare call_soon_threadsafe {ref * 1000:.2f} ms ({ours / ref:.1f}x)")


if __name__ == "__main__":
    main()
