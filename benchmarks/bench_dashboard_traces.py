#!/usr/bin/env python3
"""Benchmark: from a span's export to its row in the open Traces page of the dashboard.

An app host (in this process, ``pyspire.testing.start(..., dashboard=True)``) runs one service,
``benchmarks/span_emitter.py``, instrumented with the OpenTelemetry SDK and configured only by the
exporter variables pyspire gives it (OTLP/gRPC to the app host's receiver). A real Chromium
(Debian's ``/usr/bin/chromium``, Playwright) logs in with the printed link and opens
``#/traces``; a MutationObserver in the page notes ``Date.now()`` when each ``trace-row-<id>``
appears. Then ``--spans`` times (default 40), one at a time: ``GET /emit`` makes a span and calls
the SDK's ``force_flush``; the service answers with the trace id and the wall-clock time
``force_flush`` returned (the zero point, same machine, same clock).

* **page**: the row's appearance in the page − zero point. Target: median under 200 ms.
* **reference, read API**: the same trace seen by an SSE client of the control API
  (``GET /v1/telemetry/traces?watch=1``, httpx, in this process) − zero point: what the receiver,
  the store and its change feed cost before the dashboard's forwarder and the page's own work.

Prints median and p95 (nearest rank) of both and page / reference.

Then a 5,000-span trace (``tests/apps/big_trace.py``, exported by the SDK too): ``--opens``
times (default 5) the page opens ``#/traces?trace=<id>`` from another page until its waterfall
shows the root row, against the reference ``GET /v1/telemetry/traces/<id>`` (httpx, JSON parsed:
the bytes the page has to fetch and parse as well); and a search typed into the open waterfall
until the match count is shown (no reference: the page's own work only).

Exits non-zero only when a span or the big trace never showed up, never because a figure missed
its target. About 45 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

from pyspire import DistributedApplication, testing

HERE = Path(__file__).resolve().parent
BIG_TRACE = HERE.parent / "tests" / "apps" / "big_trace.py"
CHROMIUM = os.environ.get("PYSPIRE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOGIN = re.compile(r"Login: (http://127\.0\.0\.1:\d+/login\?t=\S+)")
OBSERVE = """
() => {
  window.__seen = {};
  const note = (node) => {
    if (!(node instanceof Element)) return;
    const rows = node.matches('[data-testid^="trace-row-"]') ? [node] : node.querySelectorAll('[data-testid^="trace-row-"]');
    const now = Date.now();
    for (const row of rows) {
      const id = row.dataset.testid.slice('trace-row-'.length);
      if (!(id in window.__seen)) window.__seen[id] = now;
    }
  };
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(note))).observe(document.body, { childList: true, subtree: true });
  note(document.body);
}
"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


async def follow_api(app: testing.AppHandle, seen: dict[str, float], ready: asyncio.Event) -> None:
    """The reference: the control API's trace stream, noting when each trace id first arrives."""
    async with app.api_client() as client:
        async with client.stream(
            "GET", "/v1/telemetry/traces", params={"watch": "1"}, timeout=None
        ) as response:
            response.raise_for_status()
            ready.set()
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "traces":
                    now = time.time() * 1000
                    for item in json.loads(line[5:])["items"]:
                        seen.setdefault(item["trace_id"], now)


async def run(spans: int, opens: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        builder = DistributedApplication.create_builder(app_dir=Path(folder))
        builder.add_executable("emitter", sys.executable, str(HERE), "span_emitter.py").with_http_endpoint(
            env="PORT"
        )
        builder.add_executable("big", sys.executable, str(BIG_TRACE.parent), BIG_TRACE.name)
        async with testing.start(builder, dashboard=True) as app:
            await app.wait_for_log("emitter", "listening")
            url = next(m.group(1) for line in app.running.announcements if (m := LOGIN.search(line)))
            api_seen: dict[str, float] = {}
            ready = asyncio.Event()
            follower = asyncio.create_task(follow_api(app, api_seen, ready))
            async with async_playwright() as playwright, httpx.AsyncClient() as plain:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                page = await browser.new_page()
                await page.goto(url)
                await page.goto(page.url.split("#")[0] + "#/traces")
                await page.get_by_test_id("trace-list").wait_for()
                await page.evaluate(OBSERVE)
                await ready.wait()
                emit = app.endpoint_url("emitter") + "/emit"
                await plain.get(emit)  # warm-up: the exporter's channel, the page's first render
                page_ms: list[float] = []
                api_ms: list[float] = []
                for _ in range(spans):
                    answer = (await plain.get(emit)).json()
                    trace_id, zero = answer["trace_id"], answer["flushed_ms"]
                    deadline = time.monotonic() + 10
                    while True:
                        shown = await page.evaluate("id => window.__seen[id] ?? null", trace_id)
                        if shown is not None and trace_id in api_seen:
                            break
                        if time.monotonic() > deadline:
                            print(
                                f"FAIL: trace {trace_id} not seen in 10 s (page: {shown}, api: {api_seen.get(trace_id)})"
                            )
                            return 1
                        await asyncio.sleep(0.01)
                    page_ms.append(shown - zero)
                    api_ms.append(api_seen[trace_id] - zero)
                    await asyncio.sleep(0.1)
                big = await measure_big_trace(app, page, opens)
                await browser.close()
            follower.cancel()
        if big is None:
            return 1
    load = os.getloadavg()[0]
    print(f"bench_dashboard_traces: {spans} spans, one at a time (load average {load:.2f})")
    print(
        f"  page (row in the open Traces page):  median {statistics.median(page_ms):7.1f} ms   p95 {p95(page_ms):7.1f} ms   target < 200 ms"
    )
    print(
        f"  reference (read API SSE client):      median {statistics.median(api_ms):7.1f} ms   p95 {p95(api_ms):7.1f} ms"
    )
    ratio = statistics.median(page_ms) / max(statistics.median(api_ms), 0.001)
    print(
        f"  page / reference (medians): {ratio:.2f}x   page - reference: {statistics.median(page_ms) - statistics.median(api_ms):.1f} ms"
    )
    open_ms, fetch_ms, search_ms = big
    print(
        f"  5,000-span trace, {opens} opens: waterfall shown median {statistics.median(open_ms):7.1f} ms   "
        f"reference GET + parse median {statistics.median(fetch_ms):7.1f} ms   "
        f"ratio {statistics.median(open_ms) / max(statistics.median(fetch_ms), 0.001):.2f}x"
    )
    print(
        f"  search typed into it until the match count shows: median {statistics.median(search_ms):7.1f} ms"
    )
    return 0


async def measure_big_trace(
    app: testing.AppHandle, page, opens: int
) -> tuple[list[float], list[float], list[float]] | None:
    try:
        line = await app.wait_for_log("big", "exported trace", timeout=60)
    except TimeoutError:
        print(
            "FAIL: big_trace.py printed no trace id; its last lines:",
            *(entry.text for entry in app.logs("big")[-10:]),
            sep="\n  ",
        )
        return None
    trace_id = line.text.split()[-1]
    base = page.url.split("#")[0]
    async with app.api_client() as client:
        deadline = time.monotonic() + 30
        while (await client.get(f"/v1/telemetry/traces/{trace_id}")).json().get("span_count") != 5000:
            if time.monotonic() > deadline:
                print(f"FAIL: the 5,000-span trace {trace_id} did not arrive whole in 30 s")
                return None
            await asyncio.sleep(0.2)
        open_ms: list[float] = []
        fetch_ms: list[float] = []
        search_ms: list[float] = []
        for _ in range(opens):
            started = time.perf_counter()
            (await client.get(f"/v1/telemetry/traces/{trace_id}")).json()
            fetch_ms.append((time.perf_counter() - started) * 1000)

            await page.goto(base + "#/metrics")
            started = time.perf_counter()
            await page.goto(base + f"#/traces?trace={trace_id}")
            await page.locator(
                '[data-testid=waterfall][data-span-count="5000"] [data-testid^=span-row-]'
            ).first.wait_for()
            open_ms.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await page.get_by_test_id("trace-search").fill("step 4321")
            await page.get_by_test_id("trace-search-count").filter(has_text="1 of 1").wait_for()
            search_ms.append((time.perf_counter() - started) * 1000)
    return open_ms, fetch_ms, search_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=40)
    parser.add_argument("--opens", type=int, default=5)
    args = parser.parse_args()
    return asyncio.run(run(args.spans, args.opens))


if __name__ == "__main__":
    sys.exit(main())
