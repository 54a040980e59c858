#!/usr/bin/env python3
"""What the bounded fan-out costs the publisher, against the unbounded queues it replaced.

In-process, no child processes: the figure is pyspire's own work on the two hot paths that fan
out. Each is measured against a reference in the same run, the mechanism used before
``orchestrator/broadcast.py``:

- **snapshots**: ``Broadcast(LatestPerKey)`` publishing 200,000 items over 100 keys to
  ``--subscribers`` subscribers (default 10), vs one ``asyncio.Queue.put_nowait`` per subscriber
  (the old ``SnapshotHub``). Twice: subscribers that read everything after every 100 items, and
  subscribers that never read (the reference's queues then hold all 200,000 items each; the
  bounded buffers hold at most 256 or one per key).
- **log followers**: ``LogStore.append`` of 1,000,000 lines in batches of 500 with two followers
  that read after every batch, vs the same store with the follower written as before (a callback
  into a ``BatchRing`` plus an ``asyncio.Event``), so the difference is the broadcast alone.

Prints the median of ``--runs`` interleaved runs and ``broadcast / reference``.

    .venv/bin/python benchmarks/bench_broadcast.py [--runs 5] [--subscribers 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from pyspire.orchestrator.broadcast import Broadcast, Subscription
from pyspire.orchestrator.log_batches import BatchRing, LogBatch
from pyspire.orchestrator.logs import FOLLOW_MAX_BYTES, FOLLOW_MAX_LINES, LogStore
from pyspire.orchestrator.overflow import LatestPerKey

ITEMS = 200_000
KEYS = 100
LINES = 1_000_000
BATCH = 500


def drain_broadcast(subscriptions: list[Subscription[tuple[int, int]]]) -> None:
    for subscription in subscriptions:
        while subscription._buffer.take() is not None:
            pass


def snapshots_broadcast(subscribers: int, read: bool) -> float:
    broadcast: Broadcast[tuple[int, int]] = Broadcast(LatestPerKey(lambda item: item[0]))
    subscriptions = [broadcast.subscribe() for _ in range(subscribers)]
    began = time.perf_counter()
    for n in range(ITEMS):
        broadcast.publish((n % KEYS, n))
        if read and n % 100 == 99:
            drain_broadcast(subscriptions)
    return time.perf_counter() - began


def snapshots_queues(subscribers: int, read: bool) -> float:
    queues: list[asyncio.Queue[tuple[int, int]]] = [asyncio.Queue() for _ in range(subscribers)]
    began = time.perf_counter()
    for n in range(ITEMS):
        item = (n % KEYS, n)
        for queue in queues:
            queue.put_nowait(item)
        if read and n % 100 == 99:
            for queue in queues:
                while not queue.empty():
                    queue.get_nowait()
    return time.perf_counter() - began


def logs_broadcast() -> float:
    store = LogStore()
    followers = store._log("api").followers
    subscriptions = [followers.subscribe(None, None) for _ in range(2)]
    lines = [f"line {n} of the benchmark, about seventy bytes long ........" for n in range(BATCH)]
    began = time.perf_counter()
    for _ in range(LINES // BATCH):
        store.append("api", "api-x", "stdout", lines)
        for subscription in subscriptions:
            while subscription._buffer.take() is not None:
                pass
    return time.perf_counter() - began


def logs_callbacks() -> float:
    store = LogStore()
    rings: list[tuple[BatchRing, asyncio.Event]] = []

    def follower() -> Callable[[LogBatch], None]:
        ring, wake = BatchRing(FOLLOW_MAX_LINES, FOLLOW_MAX_BYTES), asyncio.Event()
        rings.append((ring, wake))

        def on_batch(batch: LogBatch) -> None:
            ring.add(batch)
            wake.set()

        return on_batch

    for _ in range(2):
        store.subscribe(follower(), "api")
    lines = [f"line {n} of the benchmark, about seventy bytes long ........" for n in range(BATCH)]
    began = time.perf_counter()
    for _ in range(LINES // BATCH):
        store.append("api", "api-x", "stdout", lines)
        for ring, wake in rings:
            wake.clear()
            while ring.popleft() is not None:
                pass
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--subscribers", type=int, default=10)
    options = parser.parse_args()
    cases: dict[str, tuple[Callable[[], float], Callable[[], float]]] = {
        f"snapshots, {options.subscribers} readers": (
            lambda: snapshots_broadcast(options.subscribers, True),
            lambda: snapshots_queues(options.subscribers, True),
        ),
        f"snapshots, {options.subscribers} stalled": (
            lambda: snapshots_broadcast(options.subscribers, False),
            lambda: snapshots_queues(options.subscribers, False),
        ),
        "log append, 2 followers": (logs_broadcast, logs_callbacks),
    }
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
    for _ in range(options.runs):
        for name, (ours, reference) in cases.items():
            results[name][0].append(ours())
            results[name][1].append(reference())
    print(f"median of {options.runs} runs          broadcast   reference   ratio")
    for name, (ours_times, reference_times) in results.items():
        ours, reference = statistics.median(ours_times), statistics.median(reference_times)
        print(f"  {name:<28} {ours * 1e3:8.1f} ms {reference * 1e3:8.1f} ms   {ours / reference:.2f}x")


if __name__ == "__main__":
    main()
