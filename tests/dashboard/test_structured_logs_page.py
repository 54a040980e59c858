"""The Structured logs page in a real Chromium against services that export real log records
(OpenTelemetry SDK): records of both resources arrive live, a record expands to its attributes,
its trace link opens that trace's waterfall, and the level filter hides records below it."""

from __future__ import annotations

import re

from playwright.async_api import expect

from pyspire import testing
from tests.dashboard.conftest import save_screenshot
from tests.dashboard.telemetry_apps import make_trace, open_page, traced_app, wait_until_serving


async def test_a_structured_log_expands_to_its_attributes_and_links_to_its_trace(browser, tmp_path):
    async with testing.start(traced_app(tmp_path), dashboard=True) as app:
        await wait_until_serving(app)
        page = await open_page(app, browser, "structured")
        trace_id = await make_trace(app)  # after the page opened: the records arrive live
        rows = page.get_by_test_id("log-row").filter(has_text="did work")
        await expect(rows).to_have_count(2)
        await expect(rows.filter(has_text="front")).to_have_count(1)
        await expect(rows.filter(has_text="back")).to_have_count(1)
        await expect(rows.first.locator(".tsev")).to_have_text(re.compile("info", re.IGNORECASE))

        await rows.first.locator(".tlog-line").click()
        await expect(rows.first.get_by_test_id("log-attributes")).to_be_visible()
        await save_screenshot(page, "structured-logs")

        await rows.first.get_by_test_id("log-trace-link").click()
        await expect(page).to_have_url(re.compile(rf"#/traces\?trace={trace_id}$"))
        await expect(page.get_by_test_id("waterfall").locator("[data-testid^=span-row-]")).to_have_count(3)


async def test_the_level_filter_hides_records_below_it(browser, tmp_path):
    async with testing.start(traced_app(tmp_path), dashboard=True) as app:
        await wait_until_serving(app)
        await make_trace(app)
        page = await open_page(app, browser, "structured?resource=back")
        rows = page.get_by_test_id("log-row")
        await expect(rows.filter(has_text="did work")).to_have_count(1)
        await expect(rows.filter(has_text="front")).to_have_count(0)
        await page.get_by_test_id("logs-severity").select_option("warn")
        await expect(rows).to_have_count(0)
        await expect(page.get_by_text("No log records match these filters")).to_be_visible()
