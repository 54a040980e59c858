"""A daemon that leaves its process group and clears its environment still dies with its run,
on Ctrl+C, on SIGKILL (the reaper) and when the reaper was killed too (the next run): every
replica is in the run's cgroup. Where cgroups cannot be written, the run file says the run is
tracked by its environment marker, and a daemon that keeps its environment still dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from pyspire.runtime.cgroups import cgroup2_mount
from tests.conftest import APPS, pid_alive
from tests.integration.app_hosts import PYSPIRE, AppHost, app_host, run_record
from tests.integration.test_no_orphans import kill_quietly, leftover_pids, reaper_pids, wait_all_dead

pytestmark = pytest.mark.slow

APPHOST = """
import sys
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
(b.add_executable("forker", sys.executable, {apps!r}, "escaping_daemon.py", *{args!r})
  .with_env("PIDS_TO", {pids!r}).with_stop_grace_period(1))
b.build().run()
"""


def write_apphost(folder: Path, *args: str) -> Path:
    pids = folder / "pids"
    (folder / "apphost.py").write_text(APPHOST.format(apps=str(APPS), args=args, pids=str(pids)))
    return pids


async def escaped_daemon(folder: Path, host: AppHost) -> int:
    [daemon] = await leftover_pids(folder / "pids")
    with open(f"/proc/{daemon}/environ", "rb") as f:
        assert f.read() == b""  # no marker to find it by
    assert os.getpgid(daemon) != os.getpgid(host.proc.pid)
    return daemon


async def stopped_with(host: AppHost, daemon: int) -> str:
    """Ctrl+C the app host: it exits cleanly, and the daemon is dead by then."""
    try:
        text = await host.finish()
        assert host.proc.returncode == 0, text
        assert await wait_all_dead([daemon], timeout=3) == [], text
    finally:
        kill_quietly([daemon])
    return text


async def test_ctrl_c_kills_a_daemon_that_left_its_group_and_cleared_its_environment(tmp_path):
    write_apphost(tmp_path)
    async with app_host(tmp_path) as host:
        daemon = await escaped_daemon(tmp_path, host)
        run = run_record(tmp_path)
        text = await stopped_with(host, daemon)
    assert f"pid {daemon} (sleep)" in text, text
    assert run.get("processTracking") == "cgroup", run
    assert not Path(run["cgroup"]).exists()


async def test_the_reaper_of_a_sigkilled_app_host_kills_the_daemon(tmp_path):
    write_apphost(tmp_path)
    async with app_host(tmp_path) as host:
        daemon = await escaped_daemon(tmp_path, host)
        run = run_record(tmp_path)
        try:
            host.proc.kill()
            await host.proc.wait()
            assert await wait_all_dead([daemon]) == []
        finally:
            kill_quietly([daemon])
    try:
        async with app_host(tmp_path) as second:
            text = await second.finish()
    finally:
        kill_quietly(await leftover_pids(tmp_path / "pids", wait=0))
    assert "its reaper stopped" in text and f"pid {daemon}" in text, text
    assert not Path(run["cgroup"]).exists()


async def test_the_next_run_kills_the_daemon_when_app_host_and_reaper_were_both_killed(tmp_path):
    write_apphost(tmp_path)
    async with app_host(tmp_path) as host:
        daemon = await escaped_daemon(tmp_path, host)
        for reaper in reaper_pids(tmp_path):
            os.kill(reaper, signal.SIGKILL)
        host.proc.kill()
        await host.proc.wait()
    try:
        assert pid_alive(daemon)  # only the next run can get it now
        (tmp_path / "pids").unlink()
        async with app_host(tmp_path) as second:
            assert await wait_all_dead([daemon]) == []
            text = await second.finish()
    finally:
        kill_quietly([daemon, *await leftover_pids(tmp_path / "pids", wait=0)])
    assert "did not shut down cleanly; stopped now" in text and f"pid {daemon}" in text, text


@pytest.mark.skipif(os.geteuid() != 0, reason="making cgroups read-only in a private mount namespace needs root")
async def test_where_cgroups_are_read_only_the_run_is_tracked_by_its_marker(tmp_path):
    with open("/proc/self/mountinfo") as f:
        mount = cgroup2_mount(f.read())
    assert mount is not None, "this test needs a cgroup2 mount to make read-only"
    write_apphost(tmp_path, "--keep-env")
    # A bind remount changes this mount namespace's view only, never the cgroup hierarchy itself.
    script = f"mount -o remount,bind,ro {mount[0]} && exec {PYSPIRE} run {tmp_path} --no-color"
    async with app_host(tmp_path, ["unshare", "-m", "sh", "-c", script]) as host:
        [daemon] = await leftover_pids(tmp_path / "pids")
        run = run_record(tmp_path)
        await stopped_with(host, daemon)
    assert run.get("processTracking") == "marker" and run.get("cgroup") is None, run
