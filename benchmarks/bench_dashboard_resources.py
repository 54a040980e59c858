#!/usr/bin/env python3
"""Benchmark the Resources page: a process exits → its row's state changes in the browser.

An app of ``--count`` (default 20) *timer* executables runs in this process with the dashboard
on (``pyspire.testing.start(builder, dashboard=True)``); the Resources page is open in headless
Chromium. One timer at a time, the bench makes a process exit at a moment known exactly: each
timer blocks reading its FIFO; the bench writes a deadline (epoch, 0.1 s ahead), the timer sleeps
until then, writes ``time.time()`` (the zero point) to a file and calls ``os._exit(0)``. Per exit:

* **page**: when the row's ``data-state`` left Running in the page's DOM (a MutationObserver,
  ``performance.timeOrigin + performance.now()``, the same wall clock on the same machine), and
  **page, painted**: the frame after that (requestAnimationFrame, then a task: after the paint);
* **reference, SSE client**: a plain httpx client of the control API's ``GET /v1/resources?watch=1``
  in a thread of this process: when it parsed the first non-Running snapshot of that timer.

Prints median and p95 of each (target for the page: under 200 ms) and page / SSE. Then each
timer is started again from the API so that ``--rounds`` (default 2) passes can run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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

TIMER = r"""
import os, sys, time
fifo, out = sys.argv[1], sys.argv[2]
with open(fifo) as f:
    deadline = float(f.read().strip() or 0)
while time.time() < deadline:
    time.sleep(min(0.002, max(0.0, deadline - time.time())))
now = time.time()
with open(out, "w") as f:
    f.write(repr(now))
os._exit(0)
"""

OBSERVE = """
() => {
  window.__exits = {};
  const body = document.querySelector("tbody");
  new MutationObserver((records) => {
    const at = performance.timeOrigin + performance.now();
    for (const r of records) {
      const row = r.target;
      const name = (row.dataset.testid || "").replace("resource-row-", "");
      if (!name || row.dataset.state === "Running" || window.__exits[name]) continue;
      const entry = { dom: at, painted: null };
      window.__exits[name] = entry;
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => (entry.painted = performance.timeOrigin + performance.now());
        channel.port2.postMessage(null);
      });
    }
  }).observe(body, { attributes: true, subtree: true, attributeFilter: ["data-state"] });
}
"""


def sse_reader(url: str, token: str, seen: dict[str, float], ready: threading.Event, stop: threading.Event) -> None:
    """Records when the first non-Running snapshot of each resource arrived (a plain SSE client)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=None) as client, client.stream("GET", f"{url}/v1/resources?watch=1", headers=headers) as r:
        event = None
        for line in r.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "snapshot":
                data = json.loads(line[5:])
                if data["state"] != "Running" and data["name"].startswith("timer") and data["name"] not in seen:
                    seen[data["name"]] = time.time() * 1000
            elif line.startswith("data:") and event == "synced":
                ready.set()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        builder = DistributedApplication.create_builder(app_dir=root)
        names = [f"timer{i:02d}" for i in range(args.count)]
        for name in names:
            builder.add_executable(name, sys.executable, ".", "-S", "-c", TIMER, str(root / f"{name}.fifo"), str(root / f"{name}.out"))
        for name in names:
            os.mkfifo(root / f"{name}.fifo")  # before start: each timer opens its FIFO at once
        page_ms: list[float] = []
        painted_ms: list[float] = []
        sse_ms: list[float] = []
        async with testing.start(builder, dashboard=True) as app, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for round_ in range(args.rounds):
                    for name in names:
                        await app.wait_for_resource(name)
                    page = await open_page(browser, app, "resources")
                    for name in names:
                        await page.locator(f'[data-testid="resource-row-{name}"][data-state="Running"]').wait_for()
                    await page.evaluate(OBSERVE)
                    seen: dict[str, float] = {}
                    ready, stop = threading.Event(), threading.Event()
                    reader = threading.Thread(target=sse_reader, args=(app.api.url, app.api.token, seen, ready, stop), daemon=True)
                    reader.start()
                    await asyncio.to_thread(ready.wait, 10)
                    for name in names:
                        out = root / f"{name}.out"
                        out.unlink(missing_ok=True)
                        deadline = time.time() + 0.1

                        def trigger(path: Path = root / f"{name}.fifo", when: float = deadline) -> None:
                            with open(path, "w") as f:
                                f.write(repr(when))

                        await asyncio.to_thread(trigger)
                        await app.wait_for_resource(name, ("Finished", "Exited"))
                        for _ in range(1000):  # polled: the dashboard's CSP forbids wait_for_function's eval
                            if await page.evaluate(f"Boolean(window.__exits['{name}']?.painted)"):
                                break
                            await asyncio.sleep(0.01)
                        for _ in range(100):
                            if name in seen:
                                break
                            await asyncio.sleep(0.01)
                        zero = float(out.read_text()) * 1000
                        entry = await page.evaluate(f"window.__exits['{name}']")
                        page_ms.append(entry["dom"] - zero)
                        painted_ms.append(entry["painted"] - zero)
                        if name in seen:
                            sse_ms.append(seen[name] - zero)
                    stop.set()
                    await page.context.close()
                    print(f"round {round_ + 1}: {len(page_ms)} exits measured so far")
                    if round_ + 1 < args.rounds:
                        async with app.api_client() as client:
                            for name in names:
                                (await client.post(f"/v1/resources/{name}/commands/start")).raise_for_status()
            finally:
                await browser.close()
    print()
    print("process exit → state change")
    print(f"  page (DOM)             {describe(page_ms)}")
    print(f"  page (painted)         {describe(painted_ms)}")
    print(f"  reference: SSE client  {describe(sse_ms)}")
    if sse_ms:
        ratio = statistics.median(painted_ms) / statistics.median(sse_ms)
        print(f"  page painted / SSE client (medians): {ratio:.2f}x")
    target = statistics.median(painted_ms) < 200 if painted_ms else False
    print(f"  target: page median under 200 ms — {'met' if target else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
