"""A killed run leaves no stale files: its API socket, its build secrets and the kubeconfig
pointing at it go with its reaper's sweep (or the next run's, when the reaper was killed too),
the reaper's note is readable only by the user, and it names each leftover once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.runtime import reaper
from tests.conftest import APPS, PYTHON
from tests.integration.app_hosts import app_host, run_record, until_exists
from tests.integration.test_no_orphans import reaper_pids

pytestmark = pytest.mark.slow

APPHOST = f"""
import sys
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
b.add_executable("web", sys.executable, {str(APPS)!r}, "http_env.py").with_http_endpoint(env="PORT")
b.build().run()
"""


async def killed_with_its_files(folder: Path, kill_reaper: bool) -> dict:
    """Start an app host, wait for its socket and kubeconfig, SIGKILL it; returns its run record."""
    (folder / "apphost.py").write_text(APPHOST)
    async with app_host(folder) as host:
        await until_exists(folder / ".pyspire" / "kubeconfig")
        run = run_record(folder)
        assert Path(run["api"]["socket"]).exists()
        secrets = folder / ".pyspire" / "secrets" / run["runId"]
        secrets.mkdir(parents=True)  # where the run keeps a build secret's file while it builds
        (secrets / "box-npm-token").write_text("hunter2")
        if kill_reaper:
            for pid in reaper_pids(folder):
                os.kill(pid, signal.SIGKILL)
        host.proc.kill()
        await host.proc.wait()
    return run


async def test_a_sigkilled_run_leaves_no_api_socket_no_kubeconfig_and_a_private_note(tmp_path):
    run = await killed_with_its_files(tmp_path, kill_reaper=False)
    note = tmp_path / ".pyspire" / "runs" / f"{run['runId']}.swept"
    await until_exists(note)
    assert not Path(run["api"]["socket"]).exists()
    assert not (tmp_path / ".pyspire" / "secrets" / run["runId"]).exists()
    assert not (tmp_path / ".pyspire" / "kubeconfig").exists()
    assert note.stat().st_mode & 0o777 == 0o600


async def test_the_next_run_removes_them_when_the_reaper_was_killed_too(tmp_path):
    run = await killed_with_its_files(tmp_path, kill_reaper=True)
    kubeconfig = tmp_path / ".pyspire" / "kubeconfig"
    assert Path(run["api"]["socket"]).exists() and kubeconfig.exists()  # only the next run can clean up now
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("web", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    async with testing.start(b):
        assert not Path(run["api"]["socket"]).exists()
        assert not (tmp_path / ".pyspire" / "secrets" / run["runId"]).exists()
        if kubeconfig.exists():  # the new run may have written its own already
            assert run["api"]["token"] not in kubeconfig.read_text()


def freezer_v1() -> Path | None:
    """The cgroup v1 freezer's mount point, if this machine has one (hybrid cgroups)."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields, _, rest = line.partition(" - ")
            if rest.split()[:1] == ["cgroup"] and "freezer" in rest.split()[-1].split(","):
                return Path(fields.split()[4])
    return None


@pytest.mark.skipif(os.geteuid() != 0 or freezer_v1() is None, reason="needs root and a cgroup v1 freezer")
def test_the_reapers_note_names_a_process_that_is_slow_to_die_once(tmp_path):
    """A process frozen by the v1 freezer stays (in D state) after SIGKILL until it is thawed:
    the reaper finds it through its group and again through its marker, several times."""
    run_id = "20260101T000000-f00d00"
    victim = subprocess.Popen(
        ["sleep", "600"], env={"PATH": os.environ["PATH"], "PYSPIRE_RUN_ID": run_id}, start_new_session=True
    )
    freezer = freezer_v1() / f"pyspire-test-{victim.pid}"  # type: ignore[operator]
    freezer.mkdir()
    try:
        (freezer / "cgroup.procs").write_text(str(victim.pid))
        (freezer / "freezer.state").write_text("FROZEN")
        while (freezer / "freezer.state").read_text().strip() != "FROZEN":
            time.sleep(0.01)
        with open(f"/proc/{victim.pid}/stat") as f:
            start = int(f.read().rsplit(")", 1)[1].split()[19])
        runs = tmp_path / ".pyspire" / "runs"
        runs.mkdir(parents=True)
        run_file = runs / f"{run_id}.json"
        dead_app_host = {"runId": run_id, "appHostPid": os.getpid(), "appHostStart": -1}
        processes = {str(victim.pid): {"start": start, "command": "sleep 600"}}
        run_file.write_text(json.dumps({**dead_app_host, "processes": processes, "containerEngine": None}))
        watchdog = subprocess.Popen([sys.executable, "-I", reaper.__file__, str(run_file)], stdin=subprocess.PIPE)
        thaw = threading.Timer(0.5, (freezer / "freezer.state").write_text, ["THAWED"])
        thaw.start()
        watchdog.stdin.close()  # type: ignore[union-attr]  # closed without "bye": the app host died
        assert watchdog.wait(timeout=60) == 0
        thaw.join()
        victim.wait(timeout=10)
    finally:
        (freezer / "freezer.state").write_text("THAWED")
        victim.kill()
        victim.wait()
        freezer.rmdir()
    killed = json.loads(run_file.with_suffix(".swept").read_text())["killed"]
    assert [k for k in killed if k.startswith(f"pid {victim.pid} ")] == [f"pid {victim.pid} (sleep 600)"], killed
