"""The Resources page in a real Chromium against a real app host: the table follows the app live
(a restart from the page, a restart from the CLI in another process), commands ask first and
show their result, children sit under their parents, details show env and relationships."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from playwright.async_api import Page, expect

from pyspire import testing
from tests.dashboard.conftest import logged_in_page, page_errors, save_screenshot
from tests.dashboard.ui_apps import FLUSHED, demo_app

PYSPIRE = str(Path(sys.executable).with_name("pyspire"))

# Records every data-state the row of `name` takes (a MutationObserver: transient states such as
# Stopping or Starting last only a moment, too short to poll for).
RECORD_STATES = """
(name) => {
  window.__states = [];
  const row = () => document.querySelector(`[data-testid="resource-row-${name}"]`);
  window.__states.push(row().dataset.state);
  new MutationObserver(() => {
    const state = row()?.dataset.state;
    if (state && window.__states[window.__states.length - 1] !== state) window.__states.push(state);
  }).observe(document.querySelector("tbody"), { attributes: true, subtree: true, attributeFilter: ["data-state"] });
}
"""


async def open_resources(app: testing.AppHandle, browser) -> Page:
    page = await logged_in_page(app, browser)
    await page.goto(page.url.split("#")[0] + "#/resources")
    for name in ("cache", "api", "chatty"):
        await expect(page.get_by_test_id(f"resource-row-{name}")).to_have_attribute("data-state", "Running")
    return page


async def test_a_restart_from_the_page_asks_first_then_the_row_goes_through_the_restart_live(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("api")
        page = await open_resources(app, browser)
        old_pids = {r.pid for r in app.resource("api").replicas}
        await page.evaluate(RECORD_STATES, "api")
        # Keyed rows: the other rows are the same elements afterwards (not a rebuilt table).
        await page.get_by_test_id("resource-row-cache").evaluate("row => (row.__kept = true)")

        await page.get_by_test_id("resource-command-api-restart").click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_contain_text("api")
        assert app.resource("api").restart_count == 0, "nothing may run before the user confirms"
        await page.get_by_test_id("confirm-ok").click()

        await expect(page.get_by_test_id("command-result")).to_have_attribute("data-success", "true")
        row = page.get_by_test_id("resource-row-api")
        await expect(row).to_have_attribute("data-state", "Running")
        seen = await page.evaluate("window.__states")
        assert seen[0] == "Running" and seen[-1] == "Running" and len(seen) >= 3, seen
        assert {r.pid for r in app.resource("api").replicas}.isdisjoint(old_pids)
        await expect(row.locator("td").nth(6)).to_have_text(str(app.resource("api").restart_count))
        assert await page.get_by_test_id("resource-row-cache").evaluate("row => row.__kept === true")
        await save_screenshot(page, "resources-after-restart")
        assert not page_errors(page)



async def test_a_restart_from_the_cli_shows_in_the_open_table_without_a_reload(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("chatty")
        page = await open_resources(app, browser)
        await page.evaluate("window.__loaded = performance.timeOrigin")
        await page.evaluate(RECORD_STATES, "chatty")
        old_pid = app.resource("chatty").replicas[0].pid

        result = await asyncio.to_thread(
            subprocess.run,
            [PYSPIRE, "resource", "chatty", "restart", "--apphost", str(tmp_path)],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr

        await expect(page.get_by_test_id("resource-row-chatty")).to_have_attribute("data-state", "Running")
        for _ in range(300):  # polled: the dashboard's CSP forbids the eval wait_for_function needs
            if await page.evaluate("window.__states.length >= 3"):
                break
            await asyncio.sleep(0.05)
        seen = await page.evaluate("window.__states")
        assert seen[0] == "Running" and "Running" in seen[1:] and set(seen) - {"Running"}, seen
        assert app.resource("chatty").replicas[0].pid != old_pid
        assert await page.evaluate("window.__loaded === performance.timeOrigin"), "the page reloaded"
        assert not page_errors(page)



async def test_a_custom_command_from_the_page_shows_its_confirmation_and_result(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("cache")
        page = await open_resources(app, browser)

        await page.get_by_test_id("resource-command-cache-flush").click()
        await expect(page.get_by_role("dialog")).to_contain_text("Flush cache")
        await expect(page.get_by_role("dialog")).to_contain_text("Empty the cache")
        await page.get_by_test_id("confirm-ok").click()

        result = page.get_by_test_id("command-result")
        await expect(result).to_have_attribute("data-success", "true")
        await expect(result).to_contain_text(FLUSHED)
        await expect(result).to_contain_text("cache")
        assert not page_errors(page)



async def test_a_cancelled_command_does_not_run(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("cache")
        page = await open_resources(app, browser)
        pid = app.resource("cache").replicas[0].pid
        await page.get_by_test_id("resource-command-cache-stop").click()
        await page.get_by_role("button", name="Cancel").click()
        await expect(page.get_by_role("dialog")).to_have_count(0)
        await asyncio.sleep(0.5)
        assert app.resource("cache").state == "Running" and app.resource("cache").replicas[0].pid == pid
        await expect(page.get_by_test_id("command-result")).to_have_count(0)
        assert not page_errors(page)



async def test_children_sit_under_their_parent_and_fold_away(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("migrate", "Finished")
        page = await open_resources(app, browser)
        names = await page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.testid)")
        assert names.index("resource-row-migrate") == names.index("resource-row-api") + 1, names
        await expect(page.get_by_test_id("resource-row-migrate")).to_have_attribute("data-state", "Finished")
        await page.get_by_role("button", name="collapse api").click()
        await expect(page.get_by_test_id("resource-row-migrate")).to_have_count(0)
        await page.get_by_role("button", name="expand api").click()
        await expect(page.get_by_test_id("resource-row-migrate")).to_have_count(1)
        assert not page_errors(page)



async def test_details_show_env_urls_and_relationships_and_the_graph_draws_references(browser, tmp_path):
    async with testing.start(demo_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("api")
        page = await open_resources(app, browser)
        await page.get_by_test_id("resource-row-api").click()
        details = page.get_by_test_id("resource-details")
        await expect(details).to_contain_text("GREETING")
        await expect(details).to_contain_text("hello")
        await expect(details).to_contain_text("Reference")
        await expect(details).to_contain_text("WaitFor")
        for replica in app.resource("api").replicas:
            await expect(details).to_contain_text(replica.name)
        assert "resource=api" in page.url, "the address names the selection (a reload keeps it)"
        await save_screenshot(page, "resources")

        await page.get_by_test_id("resources-graph-tab").click()
        await expect(page.get_by_test_id("graph-node-api")).to_have_attribute("data-state", "Running")
        box_cache = await page.get_by_test_id("graph-node-cache").bounding_box()
        box_api = await page.get_by_test_id("graph-node-api").bounding_box()
        assert box_cache and box_api and box_cache["x"] < box_api["x"], "a dependency sits left of its dependents"
        await expect(page.locator("path.edge-reference")).to_have_count(1)
        await expect(page.locator("path.edge-waitfor")).to_have_count(1)
        await save_screenshot(page, "resources-graph")
        assert not page_errors(page)
