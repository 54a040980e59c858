#!/usr/bin/env python3
"""Benchmark the dashboard's ``/api`` forwarder against the control API it forwards to.

One app host (``pyspire.testing.start(app, dashboard=True)``, in this process) runs ``--count``
(default 20) sleepers. Two figures, each with its reference measured in the same run:

* **request round trip**: ``GET /v1/resources`` on an open ``httpx`` client with the run's token
  (reference: straight to the control API) against ``GET /api/v1/resources`` with a dashboard
  session (what the page does), ``--requests`` (default 300) of each, interleaved, after 20
  unmeasured. Prints medians and p95 and the ratio forwarded / direct.
* **watch lag**: two readers of ``/v1/resources?watch=1`` (Server-Sent Events) — one direct, one
  through the dashboard — open at once; ``--changes`` (default 20) times the bench restarts a
  sleeper and both readers note when each snapshot event arrives. Per event: the forwarded
  arrival minus the direct one (the forwarder's share), median and max.

Everything runs on one event loop (the app host's, as in ``pyspire run``), so the figures include
the forwarder's cost on that loop. Exits non-zero only when a check failed.

Usage: ``.venv/bin/python benchmarks/bench_dashboard.py [--count 20] [--requests 300] [--changes 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import machine_note, median

from pyspire import DistributedApplication, testing


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def round_trips(direct: httpx.AsyncClient, forwarded: httpx.AsyncClient, count: int, requests: int) -> None:
    for _ in range(20):
        await direct.get("/v1/resources")
        await forwarded.get("/api/v1/resources")
    times: dict[str, list[float]] = {"direct": [], "forwarded": []}
    for _ in range(requests):
        for name, client, path in (("direct", direct, "/v1/resources"), ("forwarded", forwarded, "/api/v1/resources")):
            started = time.perf_counter()
            answer = await client.get(path)
            answer.json()
            times[name].append(time.perf_counter() - started)
            if answer.status_code != 200 or len(answer.json()["resources"]) != count:
                raise SystemExit(f"{name}: unexpected answer {answer.status_code}")
    d, f = median(times["direct"]) * 1000, median(times["forwarded"]) * 1000
    print(f"GET /v1/resources ({count} resources), {requests} each:")
    print(f"  direct     median {d:.2f} ms, p95 {p95(times['direct']) * 1000:.2f} ms")
    print(f"  forwarded  median {f:.2f} ms, p95 {p95(times['forwarded']) * 1000:.2f} ms")
    print(f"  forwarded / direct: {f / d:.2f}x (+{f - d:.2f} ms per request)")


async def watch_lag(direct: httpx.AsyncClient, forwarded: httpx.AsyncClient, app: testing.AppHandle, changes: int) -> None:
    arrivals: dict[str, list[tuple[str, float]]] = {"direct": [], "forwarded": []}
    synced = {"direct": asyncio.Event(), "forwarded": asyncio.Event()}

    async def read(name: str, client: httpx.AsyncClient, path: str) -> None:
        async with client.stream("GET", path, params={"watch": "1"}) as response:
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                    if event == "synced":
                        synced[name].set()
                elif line.startswith("data: ") and event == "snapshot" and synced[name].is_set():
                    arrivals[name].append((line, time.perf_counter()))

    readers = [
        asyncio.create_task(read("direct", direct, "/v1/resources")),
        asyncio.create_task(read("forwarded", forwarded, "/api/v1/resources")),
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in synced.values())), 10)
    for i in range(changes):
        await app.execute_command(f"sleeper-{i % 5}", "restart")
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    got_direct, got_forwarded = arrivals["direct"], arrivals["forwarded"]
    if [d for d, _ in got_direct] != [f for f, _ in got_forwarded] or not got_direct:
        raise SystemExit(f"the two watches saw different events ({len(got_direct)} direct, {len(got_forwarded)} forwarded)")
    lags = [(f - d) * 1000 for (_, d), (_, f) in zip(got_direct, got_forwarded, strict=True)]
    print(f"watch: {len(lags)} snapshot events from {changes} restarts, the same on both streams:")
    print(f"  forwarded arrival - direct arrival: median {median(lags):.3f} ms, max {max(lags):.3f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    print(machine_note())
    with tempfile.TemporaryDirectory() as folder:
        builder = DistributedApplication.create_builder(app_dir=Path(folder))
        for i in range(args.count):
            builder.add_executable(f"sleeper-{i}", sys.executable, ".", "-S", "-c", "import time; time.sleep(86400)")
        async with testing.start(builder, dashboard=True) as app:
            for i in range(args.count):
                await app.wait_for_resource(f"sleeper-{i}")
            link = next(m.group(1) for line in app.running.announcements if (m := re.search(r"Login: (\S+)", line)))
            timeout = httpx.Timeout(10, read=None)
            async with app.api_client() as direct, httpx.AsyncClient(
                base_url=link.split("/login")[0], timeout=timeout
            ) as forwarded:
                direct.timeout = timeout
                if (await forwarded.get(link)).status_code != 303:
                    raise SystemExit("logging in to the dashboard failed")
                await round_trips(direct, forwarded, args.count, args.requests)
                await watch_lag(direct, forwarded, app, args.changes)


if __name__ == "__main__":
    asyncio.run(main())
