#!/usr/bin/env python3
"""Benchmark the Console logs page while a resource prints 10,000 lines a second.

One executable prints ``--rate`` (default 10,000) numbered lines a second, in bursts every 10 ms,
for ``--seconds`` (default 60), with the dashboard on (``pyspire.testing.start(builder,
dashboard=True)``) and its Console page open on it in headless Chromium. Every ``--every``
seconds (default 2) the bench scrolls the log with the mouse wheel (alternately up, which pauses
following, and back to the bottom with the "N new lines" button) and measures in the page:

* **scroll**: from the wheel event's timestamp to the frame after it was handled
  (requestAnimationFrame, then a task: after the paint);
* **reference**: the same wheel → frame on a plain page of the same browser holding 200 static
  lines (the browser's own floor for a scroll, with nothing else going on), measured once before
  and once after the run;
* **memory**: the page's JS heap and DOM node count (Chrome DevTools Protocol
  ``Performance.getMetrics``) at start, during and at the end — bounded by the page's line buffer
  (the newest 100,000 lines), not by the run's length;
* **throughput**: lines the page holds against lines the process printed, and, as a reference,
  the lines a plain httpx client of the control API's ``GET /v1/resources/chatty/logs?follow=1``
  (NDJSON, in a thread of this process) received in the same run. The app host drops lines for a
  follower that falls behind (and says how many in a line of its own), so both can be short.

Prints median / p95 of both scroll figures and their ratio, the heap at start and end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _dashboard import CHROMIUM, CHROMIUM_ARGS, describe, open_page
from playwright.async_api import async_playwright

from pyspire import DistributedApplication, testing

CHATTY = r"""
import sys, time
rate, seconds = int(sys.argv[1]), float(sys.argv[2])
burst = max(1, rate // 100)
n = 0
start = time.monotonic()
while time.monotonic() - start < seconds:
    sys.stdout.write("".join(f"line {n + i} worker processed item {(n + i) * 7919 % 100003} ok\n" for i in range(burst)))
    sys.stdout.flush()
    n += burst
    ahead = n / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
print(f"printed {n} lines", flush=True)
time.sleep(3600)
"""

# window.__wheel: resolves with ms from the next wheel event to the frame after it was handled.
ARM_WHEEL = """
(selector) => { window.__wheel = new Promise((resolve) => {
  const el = document.querySelector(selector);
  el.addEventListener("wheel", (event) => {
    const start = event.timeStamp;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(performance.now() - start);
      channel.port2.postMessage(null);
    });
  }, { once: true, passive: true });
}); }
"""

STATIC_PAGE = (
    "<!doctype html><body style='margin:0'><div id='box' style='height:800px;overflow:auto;font:12px monospace'>"
    + "".join(f"<div style='height:18px;white-space:pre'>line {i} worker processed item ok</div>" for i in range(200))
    + "</div></body>"
)


async def wheel_ms(page, selector: str, delta: float) -> float:
    await page.evaluate(ARM_WHEEL, selector)
    box = await page.locator(selector).bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.wheel(0, delta)
    return float(await page.evaluate("window.__wheel"))


async def metrics(page) -> dict[str, float]:
    session = await page.context.new_cdp_session(page)
    await session.send("Performance.enable")
    got = await session.send("Performance.getMetrics")
    await session.detach()
    return {m["name"]: m["value"] for m in got["metrics"]}


def plain_follower(url: str, token: str, counts: dict[str, int], stop: threading.Event) -> None:
    """Counts the lines a plain NDJSON client of the control API gets while following chatty."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/x-ndjson"}
    params = {"follow": "1", "format": "ndjson"}
    with httpx.Client(timeout=None) as client, client.stream(
        "GET", f"{url}/v1/resources/chatty/logs", headers=headers, params=params
    ) as response:
        for line in response.iter_lines():
            if stop.is_set():
                return
            if '"text":"line ' in line:
                counts["lines"] += 1


async def reference(browser) -> list[float]:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.set_content(STATIC_PAGE)
    samples = []
    for i in range(10):
        samples.append(await wheel_ms(page, "#box", 300 if i % 2 == 0 else -300))
        await page.wait_for_timeout(100)
    await page.close()
    return samples


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=2)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        builder = DistributedApplication.create_builder(app_dir=Path(tmp))
        builder.add_executable("chatty", sys.executable, ".", "-S", "-c", CHATTY, str(args.rate), str(args.seconds))
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                before = await reference(browser)
                async with testing.start(builder, dashboard=True) as app:
                    counts = {"lines": 0}
                    stop = threading.Event()
                    follower = threading.Thread(
                        target=plain_follower, args=(app.api.url, app.api.token, counts, stop), daemon=True
                    )
                    follower.start()
                    page = await open_page(browser, app, "console?resource=chatty")
                    lines = page.get_by_test_id("console-lines")
                    await lines.wait_for()
                    start_metrics = await metrics(page)
                    started = time.monotonic()
                    scroll: list[float] = []
                    heap: list[tuple[float, float, float]] = []
                    up = True
                    while time.monotonic() - started < args.seconds:
                        await asyncio.sleep(args.every)
                        if up:
                            scroll.append(await wheel_ms(page, '[data-testid="console-lines"]', -600))
                        else:
                            # Back to following, then a wheel down at the bottom (following goes on).
                            button = page.get_by_test_id("console-new-lines")
                            if await button.count():
                                await button.click()
                            scroll.append(await wheel_ms(page, '[data-testid="console-lines"]', 300))
                        up = not up
                        m = await metrics(page)
                        heap.append((time.monotonic() - started, m["JSHeapUsedSize"], m["Nodes"]))
                    await app.wait_for_resource("chatty")
                    for _ in range(100):
                        if "printed" in app.log_text("chatty")[-200:]:
                            break
                        await asyncio.sleep(0.1)
                    printed_match = re.search(r"printed (\d+) lines", app.log_text("chatty")[-200:])
                    printed = int(printed_match.group(1)) if printed_match else -1
                    await page.wait_for_timeout(1000)
                    shown = await page.evaluate(
                        "() => [document.querySelector('[data-testid=console-count]')?.textContent,"
                        " document.querySelector('[data-testid=console-dropped]')?.textContent]"
                    )
                    end_metrics = await metrics(page)
                    stop.set()
                    await page.context.close()
                after = await reference(browser)
            finally:
                await browser.close()
    ref = before + after
    print()
    print(f"{args.rate:,} lines/s for {args.seconds:.0f} s; the process printed {printed:,} lines")
    print(f"  page holds: {shown[0]}{(' · ' + shown[1].strip(' ·')) if shown[1] else ''}")
    print(f"  reference: a plain NDJSON follower of the control API got {counts['lines']:,} of them")
    print("wheel → next frame")
    print(f"  console page under load   {describe(scroll)}")
    print(f"  reference: static page    {describe(ref)}")
    if scroll and ref:
        print(f"  console / static (medians): {statistics.median(scroll) / statistics.median(ref):.2f}x")
    mib = 1024 * 1024
    print("page memory (JS heap used, DOM nodes)")
    print(f"  start  {start_metrics['JSHeapUsedSize'] / mib:7.1f} MiB  {start_metrics['Nodes']:7.0f} nodes")
    for t, used, nodes in heap[:: max(1, len(heap) // 5)]:
        print(f"  {t:5.0f} s {used / mib:7.1f} MiB  {nodes:7.0f} nodes")
    print(f"  end    {end_metrics['JSHeapUsedSize'] / mib:7.1f} MiB  {end_metrics['Nodes']:7.0f} nodes")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
