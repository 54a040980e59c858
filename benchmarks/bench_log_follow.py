#!/usr/bin/env python3
"""Benchmark: how much of a chatty resource's output a follower of the control API receives.

A process prints 10,000 lines a second (70-byte lines, flushed every 100) for ``SECONDS``; one
client follows ``GET /v1/resources/<name>/logs?follow=1&format=ndjson`` (what ``pyspire logs -f``
and the dashboard's Console page read) and counts the lines that reach it. The reference is what
the process printed, counted in the same run; the figure is received / printed. A follower that
falls behind loses the oldest queued lines (told how many) rather than slowing the app host, so
the ratio says whether the stream keeps up: it sends a captured chunk per write, not a line.

    .venv/bin/python benchmarks/bench_log_follow.py [SECONDS]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine_note  # noqa: E402

from pyspire import DistributedApplication, testing  # noqa: E402

RATE = 10_000

CHATTY = f"""
import sys, time
total = int(sys.argv[1])
start = time.monotonic()
for i in range(total):
    print("line", i, "x" * 60)
    if i % 100 == 99:
        sys.stdout.flush()
        delay = start + (i + 1) / {RATE} - time.monotonic()
        if delay > 0:
            time.sleep(delay)
sys.stdout.flush()
print("printed", total, "in", round(time.monotonic() - start, 2), file=sys.stderr, flush=True)
time.sleep(60)
"""


async def run(seconds: int) -> None:
    total = RATE * seconds
    with tempfile.TemporaryDirectory() as folder:
        builder = DistributedApplication.create_builder(app_dir=folder)
        builder.add_executable("chatty", sys.executable, ".", "-c", CHATTY, str(total)).with_explicit_start()
        async with testing.start(builder) as app, app.api_client() as client:
            received = 0

            async def follow() -> None:
                nonlocal received
                params = {"follow": 1, "format": "ndjson", "tail": 0}
                async with client.stream("GET", "/v1/resources/chatty/logs", params=params, timeout=None) as answer:
                    async for chunk in answer.aiter_bytes():
                        received += chunk.count(b'"stream":"stdout"')

            follower = asyncio.create_task(follow())
            await asyncio.sleep(0.5)
            began = time.monotonic()
            await app.execute_command("chatty", "start")
            await app.wait_for_log("chatty", "printed", timeout=seconds * 5 + 30)
            await asyncio.sleep(1.0)  # what is still on its way
            took = time.monotonic() - began
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
    print(machine_note())
    print(f"printed {total:,} lines at {RATE:,}/s over {took:.1f} s; the follower received {received:,}")
    print(f"received / printed: {received / total:.3f}")


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
