"""The Metrics page in a real Chromium against services that export real metrics (OpenTelemetry
SDK, every second): each resource's instruments are listed, choosing one draws a chart, and the
chart takes in new points live (SSE) without a reload."""

from __future__ import annotations

from playwright.async_api import expect

from pyspire import testing
from tests.dashboard.conftest import save_screenshot
from tests.dashboard.telemetry_apps import make_trace, open_page, traced_app, wait_until_serving


async def test_an_instrument_chart_draws_and_updates_live(browser, tmp_path):
    async with testing.start(traced_app(tmp_path), dashboard=True) as app:
        await wait_until_serving(app)
        await make_trace(app)
        page = await open_page(app, browser, "metrics?resource=back")
        await page.get_by_test_id("instrument-work.requests").wait_for()
        await page.get_by_test_id("instrument-service.up").click()
        chart = page.get_by_test_id("metric-chart")
        await expect(chart).to_have_attribute("data-instrument", "service.up")
        await expect(chart.locator("canvas").first).to_be_visible()
        await expect(chart).to_contain_text("back-")  # the series is back's replica
        before = int(await chart.get_attribute("data-point-count") or 0)
        assert before >= 1
        # The gauge is exported every second: the open chart grows without a reload.
        await page.wait_for_function(
            "n => Number(document.querySelector('[data-testid=metric-chart]').dataset.pointCount) >= n + 2",
            arg=before,
            timeout=15_000,
        )
        await save_screenshot(page, "metrics")
