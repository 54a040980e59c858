"""A command that declares arguments, run from the Resources page in a real Chromium against a
real app host: its dialog asks for each argument (labelled, required marked, secret as a password
field, defaults prefilled) under its confirmation message, shows the app host's refusal in place,
runs on Enter and shows the result; Esc cancels without running anything."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from pyspire import CommandArgument, DistributedApplication, testing
from pyspire.extensions import CommandResult
from tests.conftest import PYTHON
from tests.dashboard.conftest import logged_in_page, page_errors, save_screenshot

SLEEPER = "import time; print('up', flush=True); time.sleep(3600)"
TOKEN = "tok-page-s3cret-5150"


def prompt_app(app_dir: Path, calls: list[dict[str, str]]) -> DistributedApplication:
    builder = DistributedApplication.create_builder(app_dir=app_dir)

    def deploy(ctx):
        calls.append(dict(ctx.arguments))
        return CommandResult.ok(f"deployed to {ctx.arguments['region']} in {ctx.arguments['mode']} mode")

    builder.add_executable("cache", PYTHON, ".", "-c", SLEEPER).with_command(
        "deploy",
        "Deploy",
        deploy,
        description="Deploy the cache somewhere else",
        confirmation_message="Move the cache to the new region?",
        arguments=[
            CommandArgument("region", "Region", "Where to deploy (e.g. eu-west-2)", required=True),
            CommandArgument("mode", "Mode", default="fast"),
            CommandArgument("token", "API token", secret=True),
        ],
    )
    return builder.build()


async def open_dialog(app: testing.AppHandle, browser) -> Page:
    page = await logged_in_page(app, browser)
    await page.goto(page.url.split("#")[0] + "#/resources")
    await expect(page.get_by_test_id("resource-row-cache")).to_have_attribute("data-state", "Running")
    await page.get_by_test_id("resource-command-cache-deploy").click()
    await expect(page.get_by_role("dialog")).to_contain_text("Move the cache to the new region?")
    return page


async def test_the_dialog_asks_for_the_arguments_shows_a_refusal_then_runs_the_command_on_enter(browser, tmp_path):
    calls: list[dict[str, str]] = []
    async with testing.start(prompt_app(tmp_path, calls), dashboard=True) as app:
        await app.wait_for_resource("cache")
        page = await open_dialog(app, browser)
        dialog = page.get_by_role("dialog")
        region, mode, token = dialog.get_by_label("Region"), dialog.get_by_label("Mode"), dialog.get_by_label("API token")
        await expect(region).to_have_attribute("aria-required", "true")
        await expect(region).to_be_focused()
        await expect(dialog).to_contain_text("Where to deploy (e.g. eu-west-2)")
        await expect(mode).to_have_value("fast")
        await expect(mode).not_to_have_attribute("aria-required", "true")
        await expect(token).to_have_attribute("type", "password")

        await dialog.get_by_role("button", name="Run").click()  # region left empty
        await expect(page.get_by_test_id("command-error")).to_contain_text("needs the argument 'region' (Region)")
        await expect(dialog).to_have_count(1)
        assert calls == [], "the command ran although the app host refused its arguments"

        await region.fill("eu-west-2")
        await token.fill(TOKEN)
        await save_screenshot(page, "command-prompt")
        await token.press("Enter")
        result = page.get_by_test_id("command-result")
        await expect(result).to_have_attribute("data-success", "true")
        await expect(result).to_contain_text("deployed to eu-west-2 in fast mode")
        await expect(dialog).to_have_count(0)
        assert calls == [{"region": "eu-west-2", "mode": "fast", "token": TOKEN}]
        assert TOKEN not in await page.content()
        # Chromium reports the refused call (the 400 shown above) as a failed load; nothing else.
        refused = "status of 400 (Bad Request) (http://127.0.0.1"
        assert [e for e in page_errors(page) if refused not in e or "/commands/deploy" not in e] == []


async def test_escape_closes_the_dialog_without_running_the_command(browser, tmp_path):
    calls: list[dict[str, str]] = []
    async with testing.start(prompt_app(tmp_path, calls), dashboard=True) as app:
        await app.wait_for_resource("cache")
        page = await open_dialog(app, browser)
        await page.get_by_role("dialog").get_by_label("Region").fill("eu-west-2")
        await page.keyboard.press("Escape")
        await expect(page.get_by_role("dialog")).to_have_count(0)
        await page.wait_for_timeout(300)
        await expect(page.get_by_test_id("command-result")).to_have_count(0)
        assert calls == []
        assert page_errors(page) == []
