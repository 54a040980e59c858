"""Logging in to the dashboard, in a real browser (Debian's Chromium through Playwright).

What a user relies on: the link the app host prints logs them in and the page loads; the link
works once; without a session neither the page nor the API behind it answers; the session cookie
cannot be read by scripts or sent by other sites; the URL keeps no token after login."""

from __future__ import annotations

import socket
import sys

import httpx
from playwright.async_api import Browser

from pyspire import DistributedApplication, testing
from pyspire.extensions import ConfigurationError
from tests.dashboard.conftest import logged_in_page, login_url, page_errors, save_screenshot

SLEEPER = "import time; print('up', flush=True); time.sleep(60)"


def small_app(tmp_path, env_file: str = "") -> DistributedApplication:
    if env_file:
        (tmp_path / ".env").write_text(env_file)
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("sleeper", sys.executable, ".", "-c", SLEEPER)
    return builder.build()


def origin(url: str) -> str:
    return url.split("/login")[0]


async def test_the_printed_login_link_logs_in_the_page_loads_and_the_url_keeps_no_token(tmp_path, browser: Browser):
    async with testing.start(small_app(tmp_path), dashboard=True) as app:
        link = login_url(app)
        async with app.api_client() as client:
            info = (await client.get("/v1/info")).json()
        assert info["urls"]["dashboard"] == origin(link), "clients find the dashboard in /v1/info"
        page = await logged_in_page(app, browser)
        assert page.url.startswith(origin(link) + "/"), page.url
        assert "t=" not in page.url and "login" not in page.url, "the token is gone from the address bar"
        await page.locator("#app > *").first.wait_for()  # the page's script ran and rendered
        cookies = await page.context.cookies()
        [session] = [c for c in cookies if c["name"] == "pyspire_session"]
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Strict"
        assert session["path"] == "/"
        assert await page.evaluate("document.cookie") == "", "the page's scripts cannot read the session"
        resources = await page.evaluate("fetch('./api/v1/resources').then(r => r.json())")
        assert [r["name"] for r in resources["resources"]] == ["sleeper"], "the page reaches the control API"
        await save_screenshot(page, "dashboard-after-login")
        assert page_errors(page) == [], "the page loads without script errors (nothing blocked by its CSP)"


async def test_a_login_link_works_only_once(tmp_path, browser: Browser):
    async with testing.start(small_app(tmp_path), dashboard=True) as app:
        link = login_url(app)
        first = await browser.new_context()
        assert (await (await first.new_page()).goto(link)).status == 200
        second = await (await browser.new_context()).new_page()
        response = await second.goto(link)
        assert response is not None and response.status == 401
        assert "pyspire dashboard" in await second.content(), "the refusal says how to get a fresh link"
        assert not [c for c in await second.context.cookies() if c["name"] == "pyspire_session"]
        # Whoever is logged in already and opens the used link again just lands on the page.
        again = await (first.pages[0]).goto(link)
        assert again is not None and again.status == 200


async def test_without_a_session_the_page_the_assets_and_the_api_are_refused(tmp_path, browser: Browser):
    async with testing.start(small_app(tmp_path), dashboard=True) as app:
        base = origin(login_url(app))
        page = await (await browser.new_context()).new_page()
        refused = await page.goto(base + "/")
        assert refused is not None and refused.status == 401
        assert "login link" in await page.content()
        await save_screenshot(page, "dashboard-not-logged-in")
        api = await page.goto(base + "/api/v1/resources")
        assert api is not None and api.status == 401
        assert "pyspire dashboard" in (await api.json())["message"]
        async with httpx.AsyncClient(base_url=base) as anonymous:
            for path in ("/", "/index.html", "/assets/anything.js", "/api/v1/info", "/nowhere"):
                assert (await anonymous.get(path)).status_code == 401, path
            anonymous.cookies.set("pyspire_session", "guessed")
            forged = await anonymous.get("/api/v1/info")
            assert forged.status_code == 401
            wrong = await anonymous.get("/login", params={"t": "guessed"})
            assert wrong.status_code == 401


async def test_the_dashboard_is_off_with_pyspire_dashboard_0(tmp_path):
    async with testing.start(small_app(tmp_path, "PYSPIRE_DASHBOARD=0\n"), dashboard=True) as app:
        assert not any("Login:" in line for line in app.running.announcements)
        async with app.api_client() as client:
            assert "dashboard" not in (await client.get("/v1/info")).json()["urls"]
            assert (await client.post("/v1/dashboard/login")).status_code in (404, 405)


async def test_a_bad_dashboard_port_fails_the_run_naming_the_setting(tmp_path):
    for value in ("abc", "70000"):
        try:
            async with testing.start(small_app(tmp_path, f"PYSPIRE_DASHBOARD_PORT={value}\n"), dashboard=True):
                raise AssertionError("the run started")
        except ConfigurationError as exc:
            assert "PYSPIRE_DASHBOARD_PORT" in str(exc) and repr(value) in str(exc)


async def test_a_dashboard_port_in_use_fails_the_run_naming_the_setting_and_a_free_one_is_used(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            async with testing.start(small_app(tmp_path, f"PYSPIRE_DASHBOARD_PORT={port}\n"), dashboard=True):
                raise AssertionError("the run started")
        except ConfigurationError as exc:
            assert "PYSPIRE_DASHBOARD_PORT" in str(exc) and str(port) in str(exc)
    async with testing.start(small_app(tmp_path, f"PYSPIRE_DASHBOARD_PORT={port}\n"), dashboard=True) as app:
        assert login_url(app).startswith(f"http://127.0.0.1:{port}/login?t=")
