"""The Console logs page in a real Chromium against real processes: it follows a chatty process,
stops following when the user scrolls up and counts the lines that arrived since, goes back on
a click; search highlights and jumps; ANSI colours show as colours and HTML stays text; only
the rows on screen are in the DOM."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, expect

from pyspire import testing
from tests.dashboard.conftest import logged_in_page, page_errors, save_screenshot
from tests.dashboard.ui_apps import INJECTION, demo_app

LAST_NUMBER = """
() => {
  const lines = [...document.querySelectorAll('[data-testid="console-lines"] .line')];
  const box = document.querySelector('[data-testid="console-lines"]').getBoundingClientRect();
  const seen = lines.filter(l => { const r = l.getBoundingClientRect(); return r.bottom <= box.bottom + 1 && r.top >= box.top - 1; });
  const numbers = seen.map(l => Number((l.textContent.match(/line (\\d+) /) || [])[1])).filter(n => !Number.isNaN(n));
  return numbers.length ? { first: numbers[0], last: numbers[numbers.length - 1], rows: lines.length } : null;
}
"""


async def open_console(app: testing.AppHandle, browser, query: str) -> Page:
    page = await logged_in_page(app, browser)
    await page.goto(page.url.split("#")[0] + f"#/console?{query}")
    await expect(page.get_by_test_id("console-lines")).to_be_visible()
    return page


async def visible(page: Page) -> dict:
    return await page.evaluate(LAST_NUMBER)


async def until_last_line_passes(page: Page, number: int, timeout: float = 15.0) -> dict:
    """Polls with evaluate: the dashboard's CSP forbids eval, which wait_for_function needs."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await visible(page)
        if seen and seen["last"] > number:
            return seen
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the console's last line on screen did not pass line {number}: {seen}")
        await asyncio.sleep(0.05)


async def test_console_follows_a_chatty_process_and_pauses_on_scroll_up_counting_new_lines(browser, tmp_path):
    async with testing.start(demo_app(tmp_path, chatty_rate=400), dashboard=True) as app:
        await app.wait_for_resource("chatty")
        page = await open_console(app, browser, "resource=chatty")
        lines = page.get_by_test_id("console-lines")
        await until_last_line_passes(page, 600)
        await expect(lines).to_have_attribute("data-following", "true")
        first_seen = (await visible(page))["last"]
        await until_last_line_passes(page, first_seen + 100)  # the bottom moves on

        await lines.hover()
        await page.mouse.wheel(0, -2000)
        await expect(lines).to_have_attribute("data-following", "false")
        paused = await visible(page)
        indicator = page.get_by_test_id("console-new-lines")
        await expect(indicator).to_have_text(re.compile(r"^[\d,]+ new lines? ↓$"))
        count = 0
        for _ in range(100):  # the count grows while paused (about 400 lines a second arrive)
            count = int(re.sub(r"\D", "", await indicator.inner_text()))
            if count >= 200:
                break
            await page.wait_for_timeout(100)
        assert count >= 200, f"lines arrived while paused, but the indicator says {count}"
        still = await visible(page)
        assert still["first"] == paused["first"], "new lines must not move what the user reads"
        assert still["rows"] < 200, f"only the rows on screen are rendered, not {still['rows']}"
        await save_screenshot(page, "console-paused")

        await indicator.click()
        await expect(lines).to_have_attribute("data-following", "true")
        await expect(indicator).to_have_count(0)
        newest = (await visible(page))["last"]
        assert newest > paused["last"] + count - 50
        assert not page_errors(page)



async def test_console_search_highlights_matches_and_jumps_between_them(browser, tmp_path):
    async with testing.start(demo_app(tmp_path, chatty_rate=200), dashboard=True) as app:
        await app.wait_for_resource("chatty")
        page = await open_console(app, browser, "resource=chatty")
        await until_last_line_passes(page, 500)
        search = page.get_by_test_id("console-search")
        await search.fill("line 12")
        await search.press("Enter")
        counter = page.get_by_test_id("console-search-count")
        # "line 12 ", "line 120 ".."line 129 ", "line 1200 "…: at least 11 by now.
        await expect(counter).to_have_text(re.compile(r"^\d+ of (1[1-9]|[2-9]\d|\d{3,})$"))
        await expect(page.get_by_test_id("console-lines")).to_have_attribute("data-following", "false")
        current = page.locator('[data-testid="console-lines"] .line.current')
        await expect(current).to_have_count(1)
        await expect(current.locator("mark")).to_have_text("line 12")
        before = await current.inner_text()
        await page.get_by_role("button", name="previous match").click()
        await expect(current).not_to_have_text(before)
        await expect(current.locator("mark")).to_have_text("line 12")
        assert not page_errors(page)



async def test_console_shows_ansi_colours_and_output_html_as_text(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("cache")
        page = await open_console(app, browser, "resource=api")
        green = page.locator('[data-testid="console-lines"] .line span.fg-2', has_text="INFO").first
        await expect(green).to_be_visible()
        assert await green.evaluate("e => getComputedStyle(e).color") != await page.locator(
            '[data-testid="console-lines"]'
        ).evaluate("e => getComputedStyle(e).color")
        bold = page.locator('[data-testid="console-lines"] .line span.bold', has_text="200").first
        await expect(bold).to_be_visible()
        text = await page.get_by_test_id("console-lines").inner_text()
        assert "\x1b" not in text and "[0m" not in text
        await save_screenshot(page, "console")

        await page.goto(page.url.split("#")[0] + "#/console?resource=cache")
        await expect(page.get_by_test_id("console-lines")).to_contain_text(INJECTION)
        assert await page.locator('[data-testid="console-lines"] img').count() == 0
        assert await page.evaluate("window.__injected") is None
        assert not page_errors(page)



async def test_console_of_every_resource_prefixes_lines_with_their_replica(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("api")
        page = await open_console(app, browser, "")
        lines = page.get_by_test_id("console-lines")
        for replica in app.resource("api").replicas:
            await expect(lines.locator(".src", has_text=replica.name).first).to_be_visible()
        await expect(lines.locator(".src", has_text=re.compile(r"^chatty-")).first).to_be_visible()
        assert not page_errors(page)
