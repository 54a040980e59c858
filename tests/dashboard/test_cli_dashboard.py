"""``pyspire dashboard``: a fresh login link for the running app host, opened or printed.

What a user relies on: the link it prints (``--print``) or hands to the browser logs in, each
call gives a new one (the printed one at start works once), without a desktop it prints the
link instead of failing, and it says so plainly when the dashboard is off."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from pyspire import DistributedApplication, testing

PYSPIRE = str(Path(sys.executable).parent / "pyspire")


def small_app(tmp_path: Path, env_file: str = "") -> DistributedApplication:
    if env_file:
        (tmp_path / ".env").write_text(env_file)
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("sleeper", sys.executable, ".", "-c", "import time; time.sleep(60)")
    return builder.build()


async def pyspire(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the CLI as a user would, from the app's folder (the app host runs in this test's loop)."""
    environment = dict(env if env is not None else os.environ)
    process = await asyncio.create_subprocess_exec(
        PYSPIRE, *args, cwd=cwd, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def headless_env(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    return {**environment, **extra}


async def logs_in(url: str) -> bool:
    async with httpx.AsyncClient() as client:
        answer = await client.get(url)
        if answer.status_code != 303:
            return False
        page = await client.get(url.split("/login")[0] + "/")
        return page.status_code == 200


async def test_pyspire_dashboard_print_gives_a_fresh_link_that_logs_in_in_a_browser(tmp_path, browser: Browser):
    async with testing.start(small_app(tmp_path), dashboard=True) as app:
        code, out, err = await pyspire("dashboard", "--print", cwd=tmp_path)
        assert code == 0, err
        link = out.strip()
        assert link.startswith("http://127.0.0.1:") and "/login?t=" in link
        assert link not in "\n".join(app.running.announcements), "a new link, not the printed one"
        page = await (await browser.new_context()).new_page()
        response = await page.goto(link)
        assert response is not None and response.status == 200
        assert "t=" not in page.url
        _, again, _ = await pyspire("dashboard", "--print", cwd=tmp_path)
        assert again.strip() != link and await logs_in(again.strip())
        assert app.api.token not in out + err + again


async def test_pyspire_dashboard_hands_the_link_to_the_browser(tmp_path):
    opened = tmp_path / "opened.txt"
    browser_script = tmp_path / "browser.sh"
    browser_script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    browser_script.chmod(0o755)
    async with testing.start(small_app(tmp_path), dashboard=True):
        code, out, err = await pyspire("dashboard", cwd=tmp_path, env=headless_env(BROWSER=str(browser_script)))
        assert code == 0, err
        assert "opened the dashboard" in out
        assert "t=" not in out, "the link itself is not printed when a browser took it"
        assert await logs_in(opened.read_text())


async def test_pyspire_dashboard_prints_the_link_where_no_browser_can_be_opened(tmp_path):
    async with testing.start(small_app(tmp_path), dashboard=True):
        code, out, err = await pyspire("dashboard", cwd=tmp_path, env=headless_env())
        assert code == 0, err
        assert "no browser could be opened" in err
        assert await logs_in(out.strip())


async def test_pyspire_dashboard_says_when_the_dashboard_is_off(tmp_path):
    async with testing.start(small_app(tmp_path, "PYSPIRE_DASHBOARD=0\n"), dashboard=True):
        code, out, err = await pyspire("dashboard", "--print", cwd=tmp_path)
        assert code == 1
        assert "dashboard is off" in err and "PYSPIRE_DASHBOARD=0" in err
        assert "Traceback" not in err and not out


APPHOST = """
import sys
from pyspire import DistributedApplication
builder = DistributedApplication.create_builder()
builder.add_executable("sleeper", sys.executable, ".", "-c", "import time; time.sleep(600)")
builder.build().run()
"""


@pytest.mark.slow
async def test_pyspire_start_says_where_the_dashboard_is_and_pyspire_dashboard_logs_in_to_it(tmp_path):
    (tmp_path / "apphost.py").write_text(APPHOST)
    code, out, err = await pyspire("start", cwd=tmp_path)
    try:
        assert code == 0, err
        [line] = [line for line in out.splitlines() if line.startswith("dashboard")]
        address = line.split()[1]
        assert address.startswith("http://127.0.0.1:") and "t=" not in line, "the address, not a login token"
        [log] = [Path(line.split()[1]) for line in out.splitlines() if line.startswith("log ")]
        assert "Login: http://127.0.0.1:" in log.read_text()
        assert log.stat().st_mode & 0o077 == 0, "the log holding the login link is the user's alone"
        code, link, err = await pyspire("dashboard", "--print", cwd=tmp_path)
        assert code == 0, err
        assert link.startswith(address + "/login?t=") and await logs_in(link.strip())
    finally:
        await pyspire("stop", cwd=tmp_path)
