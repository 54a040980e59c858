"""The Traces page in a real Chromium against services that export real spans (OpenTelemetry SDK):
a request across two resources is listed as one trace, new traces appear at the top of the open
list without the rows already there being redrawn, the waterfall nests each span under its
parent, a click opens the span's details, and search inside a trace highlights what matches."""

from __future__ import annotations

import re

from playwright.async_api import expect

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.dashboard.conftest import save_screenshot
from tests.dashboard.telemetry_apps import make_trace, open_page, traced_app, wait_until_serving


async def test_a_trace_across_two_resources_is_listed_and_its_waterfall_nests_spans_and_opens_details(
    browser, tmp_path
):
    async with testing.start(traced_app(tmp_path), dashboard=True) as app:
        await wait_until_serving(app)
        trace_id = await make_trace(app)
        page = await open_page(app, browser, "traces")
        row = page.get_by_test_id(f"trace-row-{trace_id}")
        # The exporters batch for up to a second; the list is live, so no reload is needed.
        await expect(row).to_contain_text("GET /work")
        await expect(row.locator(".c-spans")).to_have_text("3")
        chips = row.locator(".tres-chip")  # in order of arrival: either service may export first
        await expect(chips).to_have_count(2)
        assert sorted(await chips.all_inner_texts()) == ["back", "front"]
        await save_screenshot(page, "traces-list")

        await row.click()
        await expect(page).to_have_url(re.compile(rf"#/traces\?trace={trace_id}$"))
        rows = page.get_by_test_id("waterfall").locator("[data-testid^=span-row-]")
        await expect(rows).to_have_count(3)
        # Parent, child, grandchild: front's server span, its call downstream, back's server span.
        depths = [await r.get_attribute("data-depth") for r in await rows.all()]
        assert depths == ["0", "1", "2"], depths
        await expect(rows.nth(0)).to_contain_text("front")
        await expect(rows.nth(1)).to_contain_text("call downstream")
        await expect(rows.nth(2)).to_contain_text("back")
        client_id = (await rows.nth(1).get_attribute("data-testid") or "").removeprefix("span-row-")
        await expect(rows.nth(2)).to_have_attribute("data-parent", client_id)

        await rows.nth(2).click()
        details = page.get_by_test_id("span-details")
        await expect(details).to_contain_text("GET /work")
        await expect(details).to_contain_text("back")
        await expect(details.get_by_test_id("span-attributes")).to_contain_text("http.route")
        await expect(details.get_by_test_id("span-attributes")).to_contain_text("/work")
        await save_screenshot(page, "traces-waterfall")


async def test_a_new_trace_appears_at_the_top_of_the_open_list_and_the_other_rows_are_not_redrawn(
    browser, tmp_path
):
    async with testing.start(traced_app(tmp_path), dashboard=True) as app:
        await wait_until_serving(app)
        first = await make_trace(app)
        page = await open_page(app, browser, "traces")
        old_row = page.get_by_test_id(f"trace-row-{first}")
        await expect(old_row).to_be_visible()
        await old_row.evaluate("el => { el.dataset.marker = 'kept'; }")

        second = await make_trace(app)
        await expect(page.get_by_test_id(f"trace-row-{second}")).to_be_visible()
        rows = page.get_by_test_id("trace-list").locator("[data-testid^=trace-row-]")
        await expect(rows.first).to_have_attribute("data-testid", f"trace-row-{second}")
        # The same DOM element as before the update: the list patched in a row, it did not rebuild.
        await expect(old_row).to_have_attribute("data-marker", "kept")


async def test_search_in_a_trace_highlights_the_matching_span_and_the_status_filter_hides_ok_traces(
    browser, tmp_path
):
    async with testing.start(traced_app(tmp_path), dashboard=True) as app:
        await wait_until_serving(app)
        trace_id = await make_trace(app)
        page = await open_page(app, browser, f"traces?trace={trace_id}")
        rows = page.get_by_test_id("waterfall").locator("[data-testid^=span-row-]")
        # Opened before the exporters sent: the waterfall loads again as the spans arrive.
        await expect(rows).to_have_count(3)
        await page.get_by_test_id("trace-search").fill("downstream")
        await expect(page.get_by_test_id("trace-search-count")).to_contain_text("1 of 1")
        await expect(rows.nth(1)).to_have_class(re.compile(r"\bmatch\b"))
        await expect(rows.nth(0)).not_to_have_class(re.compile(r"\bmatch\b"))
        await expect(rows.nth(2)).not_to_have_class(re.compile(r"\bmatch\b"))

        await page.goto(page.url.split("#")[0] + "#/traces")
        await expect(page.get_by_test_id(f"trace-row-{trace_id}")).to_be_visible()
        await page.get_by_test_id("traces-status").select_option("error")
        await expect(page.get_by_test_id(f"trace-row-{trace_id}")).to_have_count(0)
        await expect(page.get_by_test_id("trace-list")).to_contain_text("No traces match")


async def test_a_5000_span_trace_renders_only_the_rows_in_view_and_search_jumps_to_a_deep_match(
    browser, tmp_path
):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("big", PYTHON, APPS, "big_trace.py")
    async with testing.start(builder, dashboard=True) as app:
        line = await app.wait_for_log("big", "exported trace", timeout=60)
        trace_id = line.text.split()[-1]
        page = await open_page(app, browser, f"traces?trace={trace_id}")
        waterfall = page.get_by_test_id("waterfall")
        await expect(waterfall).to_have_attribute("data-span-count", "5000", timeout=30_000)
        rows = waterfall.locator("[data-testid^=span-row-]")
        await expect(rows.first).to_contain_text("big request")
        assert await rows.count() < 150, "only the rows in view (and a few more) are in the DOM"

        await page.get_by_test_id("trace-search").fill("cache")
        await expect(page.get_by_test_id("trace-search-count")).to_contain_text("of 50")
        await page.get_by_test_id("trace-search").fill("step 4321")
        await expect(page.get_by_test_id("trace-search-count")).to_contain_text("1 of 1")
        await page.get_by_test_id("trace-search").press("Enter")
        # The match, 4,322 rows down, is scrolled into view, highlighted and its details open.
        match = rows.filter(has_text="step 4321")
        await expect(match).to_be_visible()
        await expect(match).to_have_class(re.compile(r"\bmatch\b"))
        await expect(page.get_by_test_id("span-details")).to_contain_text("step 4321")
        await expect(match).to_have_attribute("data-depth", "2")  # step 4320 is under the root, 4321 under it
        assert await rows.count() < 150
        await save_screenshot(page, "traces-waterfall-5000")
