"""Helpers for the dashboard page's benchmarks (not a benchmark itself): a headless Debian
Chromium driven by Playwright, logged in to an app host's dashboard through the link it printed.

The app host runs in this process (``pyspire.testing.start(builder, dashboard=True)``), the page
in Chromium: what is measured is what a user's browser sees through the dashboard server."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-precise-memory-info",
]
LOGIN_LINE = re.compile(r"Login: (http://127\.0\.0\.1:\d+/login\?t=\S+)")


def login_url(app: Any) -> str:
    for line in app.running.announcements:
        if match := LOGIN_LINE.search(line):
            return match.group(1)
    raise SystemExit("the app host printed no dashboard login link (is the dashboard on?)")


_USED: set[int] = set()


async def fresh_login_url(app: Any) -> str:
    """A new one-time link from the control API (what ``pyspire dashboard`` asks for)."""
    async with app.api_client() as client:
        response = await client.post("/v1/dashboard/login")
        response.raise_for_status()
        return str(response.json()["url"])


async def open_page(browser: Any, app: Any, hash_route: str, viewport: tuple[int, int] = (1400, 900)) -> Any:
    """A new context logged in on ``#/<hash_route>``: with the app's printed link the first time,
    a fresh one from the control API after that (each link works once)."""
    context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = await context.new_page()
    url = await fresh_login_url(app) if id(app) in _USED else login_url(app)
    _USED.add(id(app))
    response = await page.goto(url)
    if response is None or response.status != 200:
        raise SystemExit(f"logging in to the dashboard failed ({response.status if response else 'no answer'})")
    await page.goto(page.url.split("#")[0] + f"#/{hash_route}")
    return page


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values: Sequence[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"median {statistics.median(values):7.1f} ms  p95 {percentile(values, 95):7.1f} ms  "
        f"max {max(values):7.1f} ms  (n={len(values)})"
    )
