"""Nothing outlives the app host: not on SIGTERM, not on SIGKILL, not even a double-forked daemon."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import APPS, pid_alive

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
pytestmark = pytest.mark.slow

APPHOST = """
import sys
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
(b.add_executable("stubborn", sys.executable, {apps!r}, "stubborn.py", "--double-fork")
  .with_env("PIDS_TO", {pids!r}).with_stop_grace_period(0.5))
b.add_executable("web", sys.executable, {apps!r}, "http_env.py").with_http_endpoint(env="PORT")
b.build().run()
"""


def write_apphost(folder: Path) -> Path:
    pids = folder / "pids"
    (folder / "apphost.py").write_text(APPHOST.format(apps=str(APPS), pids=str(pids)))
    return pids


async def start(folder: Path) -> tuple[asyncio.subprocess.Process, list[str]]:
    proc = await asyncio.create_subprocess_exec(
        PYSPIRE,
        "run",
        str(folder),
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=dict(os.environ, COLUMNS="200"),
    )
    output: list[str] = []

    async def until_started() -> None:
        assert proc.stdout is not None
        while "app started" not in "".join(output):
            line = await proc.stdout.readline()
            if not line:
                raise AssertionError("pyspire exited:\n" + "".join(output))
            output.append(line.decode())

    await asyncio.wait_for(until_started(), 20)
    return proc, output


async def leftover_pids(pids_file: Path, wait: float = 10) -> list[int]:
    for _ in range(int(wait / 0.05)):
        if pids_file.exists():
            break
        await asyncio.sleep(0.05)
    return [int(p) for p in pids_file.read_text().split()] if pids_file.exists() else []


async def wait_all_dead(pids: list[int], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if pid_alive(p)]
        if not alive:
            return []
        await asyncio.sleep(0.05)
    return [p for p in pids if pid_alive(p)]


def kill_quietly(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def children_of(pid: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def reaper_pids(folder: Path) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"reaper.py" in cmd and str(folder).encode() in cmd:
            found.append(int(entry))
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_everything_including_a_stubborn_double_forker(tmp_path, sig):
    pids_file = write_apphost(tmp_path)
    proc, output = await start(tmp_path)
    pids = await leftover_pids(pids_file) + children_of(proc.pid)
    assert len(pids) >= 3 and all(pid_alive(p) for p in pids)
    proc.send_signal(sig)
    assert proc.stdout is not None
    output.append((await asyncio.wait_for(proc.stdout.read(), 20)).decode())
    assert await proc.wait() == 0, "".join(output)
    # The double-forked daemon left the process group; the reaper's marker sweep is not involved
    # on a clean stop, so it is found through its environment by the app host itself.
    try:
        assert await wait_all_dead(pids, timeout=3) == [], "".join(output)
    finally:
        kill_quietly(pids)
    assert not list((tmp_path / ".pyspire" / "runs").glob("*.json"))


async def test_sigkill_of_the_app_host_leaves_nothing_and_the_next_run_reports_it(tmp_path):
    pids_file = write_apphost(tmp_path)
    proc, _ = await start(tmp_path)
    pids = await leftover_pids(pids_file) + children_of(proc.pid)
    try:
        proc.kill()
        await proc.wait()
        assert await wait_all_dead(pids) == []
    finally:
        kill_quietly(pids)
    pids_file.unlink()
    second, output = await start(tmp_path)
    second.send_signal(signal.SIGINT)
    assert second.stdout is not None
    output.append((await asyncio.wait_for(second.stdout.read(), 20)).decode())
    await second.wait()
    kill_quietly(await leftover_pids(pids_file, wait=0))
    text = "".join(output)
    assert "did not shut down cleanly; its reaper stopped" in text, text


async def test_next_run_sweeps_when_app_host_and_reaper_were_both_killed(tmp_path):
    pids_file = write_apphost(tmp_path)
    proc, _ = await start(tmp_path)
    pids = await leftover_pids(pids_file)
    try:
        for reaper in reaper_pids(tmp_path):
            os.kill(reaper, signal.SIGKILL)
        proc.kill()
        await proc.wait()
        await asyncio.sleep(0.3)
        daemon = pids[1]
        assert pid_alive(daemon)  # only the sweep can get a setsid daemon now
        pids_file.unlink()
        second, output = await start(tmp_path)
        assert await wait_all_dead(pids) == []
        second.send_signal(signal.SIGINT)
        assert second.stdout is not None
        output.append((await asyncio.wait_for(second.stdout.read(), 20)).decode())
        await second.wait()
        kill_quietly(await leftover_pids(pids_file, wait=0))
    finally:
        kill_quietly(pids)
    text = "".join(output)
    assert "did not shut down cleanly; stopped now" in text and f"pid {daemon}" in text, text


async def test_second_ctrl_c_kills_at_once(tmp_path):
    (tmp_path / "apphost.py").write_text(
        "import sys\n"
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        f"b.add_executable('stubborn', sys.executable, {str(APPS)!r}, 'stubborn.py')"
        f".with_env('PIDS_TO', {str(tmp_path / 'pids')!r}).with_stop_grace_period(60)\n"
        "b.build().run()\n"
    )
    proc, output = await start(tmp_path)
    await second_ctrl_c_kills_everything(proc, await leftover_pids(tmp_path / "pids"), output)


async def second_ctrl_c_kills_everything(proc: asyncio.subprocess.Process, pids: list[int], output: list[str]) -> None:
    """Ctrl+C, then — while ``pids`` are still alive, in a 60 s grace (or waiting their turn) —
    Ctrl+C again: the app host says it kills every process now and all are gone within 3 s."""
    try:
        proc.send_signal(signal.SIGINT)
        await asyncio.sleep(0.3)
        assert proc.returncode is None and all(pid_alive(p) for p in pids)  # the first stop is waiting
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.stdout is not None
        output.append((await asyncio.wait_for(proc.stdout.read(), 10)).decode())
        await proc.wait()
        assert time.monotonic() - started < 3
        assert await wait_all_dead(pids, timeout=1) == []
    finally:
        kill_quietly(pids)
    assert "killing every process now" in "".join(output)
