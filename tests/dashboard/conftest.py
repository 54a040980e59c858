"""Browser-test set-up for the dashboard: a real Chromium (Debian's ``/usr/bin/chromium``) driven
by Playwright's async API, a page logged in through the link the app host printed, screenshots.

::

    from tests.dashboard.conftest import logged_in_page, page_errors, save_screenshot

    async def test_the_resources_page_lists_the_app(browser, tmp_path):
        async with testing.start(builder, dashboard=True) as app:
            page = await logged_in_page(app, browser)
            await page.get_by_test_id("resource-row-api").wait_for()
            await save_screenshot(page, "resources")
            assert page_errors(page) == []

Playwright never downloads a browser here: it launches the system Chromium (installed by
scripts/system-packages.sh). As root Chromium needs ``--no-sandbox``; the other flags keep it
from reaching for the network (updates, sync, first-run pages) on a machine that has none.
Screenshots go to ``test-artefacts/screenshots/<name>.png`` at the repository root (git-ignored,
left in place after a run so they can be looked at).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from pyspire.testing import AppHandle

CHROMIUM = Path(os.environ.get("PYSPIRE_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screenshots"
LOGIN_LINE = re.compile(r"Login: (http://127\.0\.0\.1:\d+/login\?t=\S+)")
#: The apps whose printed (one-time) link was used already.
_PRINTED_LINK_USED: weakref.WeakSet[AppHandle] = weakref.WeakSet()
_PAGE_ERRORS: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()
#: Playwright's default (30 s) is far beyond what a page on loopback needs, even on a busy machine.
PAGE_TIMEOUT_MS = 15_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A headless Chromium for one test (its own profile: no cookie carries over between tests)."""
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run 'bash scripts/system-packages.sh' (installs Debian's chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def login_url(app: AppHandle) -> str:
    """The one-time login link the app host printed at start (``Login: http://127.0.0.1:…``)."""
    for line in app.running.announcements:
        if match := LOGIN_LINE.search(line):
            return match.group(1)
    raise AssertionError(
        f"the app host printed no login link (announcements: {list(app.running.announcements)}); "
        "start the app with pyspire.testing.start(builder, dashboard=True)"
    )


async def fresh_login_url(app: AppHandle) -> str:
    """Another one-time login link, from the control API (what ``pyspire dashboard`` opens)."""
    async with app.api_client() as client:
        response = await client.post("/v1/dashboard/login")
        response.raise_for_status()
        url: str = response.json()["url"]
        return url


async def logged_in_page(app: AppHandle, browser: Browser) -> Page:
    """A page of a new browser context (its own cookies) logged in with the printed link, on the
    dashboard's start page. The link works once: a second call in the same test asks the control
    API for a fresh one, as ``pyspire dashboard`` does."""
    url = await fresh_login_url(app) if app in _PRINTED_LINK_USED else login_url(app)
    _PRINTED_LINK_USED.add(app)
    context = await browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: errors.append(f"{message.text} ({message.location.get('url', '')})")
        if message.type == "error" else None,
    )
    _PAGE_ERRORS[page] = errors
    response = await page.goto(url)
    assert response is not None and response.status == 200, (
        f"logging in at {url.split('?')[0]} answered {response.status if response else 'nothing'}"
    )
    return page


def page_errors(page: Page) -> list[str]:
    """What the page's scripts reported as errors so far (uncaught exceptions, console.error,
    failed loads): a test of a page asserts this is empty."""
    return _PAGE_ERRORS.get(page, [])


async def save_screenshot(page: Page, name: str) -> Path:
    """The page as ``test-artefacts/screenshots/<name>.png`` (full page); returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
