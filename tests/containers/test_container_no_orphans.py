"""Session containers never outlive their app host: Ctrl+C, SIGKILL, and a killed reaper too.
And with no engine, only the container resources fail."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import containers_labelled, podman
from tests.integration.test_no_orphans import reaper_pids, start

pytestmark = pytest.mark.containers

APPHOST = """
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
(b.add_container("box", "localhost/pyspire-test/busybox:latest")
  .with_entrypoint("sh").with_args("-c", "exec httpd -f -p 80 -h /www")
  .with_http_endpoint(target_port=80).with_stop_grace_period(1))
b.build().run()
"""


def run_label(folder: Path) -> str:
    runs = list((folder / ".pyspire" / "runs").glob("*.json"))
    assert len(runs) == 1
    return f"pyspire.dev/run={runs[0].stem}"


async def until(predicate, timeout: float = 20) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.2)
    return predicate()


async def started(folder: Path) -> tuple[asyncio.subprocess.Process, list[str], str]:
    (folder / "apphost.py").write_text(APPHOST)
    proc, output = await start(folder)
    label = run_label(folder)
    assert await until(lambda: len(containers_labelled(label)) == 1), "".join(output)
    return proc, output, label


async def finish(proc: asyncio.subprocess.Process, output: list[str]) -> str:
    proc.send_signal(signal.SIGINT)
    assert proc.stdout is not None
    output.append((await asyncio.wait_for(proc.stdout.read(), 30)).decode())
    await proc.wait()
    return "".join(output)


def remove_all(label: str) -> None:
    for name in containers_labelled(label):
        podman("rm", "-f", "-t", "0", name)


@pytest.mark.slow
async def test_ctrl_c_removes_session_containers_and_network(tmp_path):
    proc, output, label = await started(tmp_path)
    try:
        text = await finish(proc, output)
        assert proc.returncode == 0, text
        assert containers_labelled(label) == []
        assert podman("network", "ls", "--filter", f"label={label}", "--format", "{{.Name}}") == ""
    finally:
        remove_all(label)


@pytest.mark.slow
async def test_sigkill_of_the_app_host_the_reaper_removes_its_containers(tmp_path):
    proc, _, label = await started(tmp_path)
    try:
        proc.kill()
        await proc.wait()
        assert await until(lambda: containers_labelled(label) == [], timeout=30)
        second, output = await start(tmp_path)
        text = await finish(second, output)
        assert "its reaper stopped" in text and "container box-" in text, text
    finally:
        remove_all(label)


@pytest.mark.slow
async def test_next_run_sweeps_containers_when_app_host_and_reaper_were_both_killed(tmp_path):
    proc, _, label = await started(tmp_path)
    try:
        for reaper in reaper_pids(tmp_path):
            os.kill(reaper, signal.SIGKILL)
        proc.kill()
        await proc.wait()
        await asyncio.sleep(0.5)
        assert len(containers_labelled(label)) == 1  # only the next run's sweep can remove it now
        second, output = await start(tmp_path)
        assert containers_labelled(label) == []
        text = await finish(second, output)
        assert "did not shut down cleanly; stopped now" in text and "container box-" in text, text
    finally:
        remove_all(label)


async def test_no_engine_fails_only_the_container_resources(tmp_path, monkeypatch):
    monkeypatch.setenv("PYSPIRE_CONTAINER_RUNTIME", "docker")  # a client without a daemon here
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_container("box", "localhost/pyspire-test/busybox:latest").with_http_endpoint(target_port=80)
    b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    async with testing.start(b) as app:
        failed = await app.wait_for_resource("box", "FailedToStart", timeout=60)
        assert "docker" in failed.state_message and "PYSPIRE_CONTAINER_RUNTIME" in failed.state_message
        assert (await app.wait_for_resource("api")).state == "Running"


async def test_a_container_of_the_run_the_controllers_never_tracked_is_removed_at_shutdown(tmp_path):
    """As when Ctrl+C lands while `podman run` is creating it."""
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_container("box", "localhost/pyspire-test/busybox:latest").with_args("sleep", "600").with_stop_grace_period(0)
    async with testing.start(b) as app:
        await app.wait_for_resource("box")
        label = f"pyspire.dev/run={app.executor.run_id}"
        untracked = f"untracked-{app.executor.run_id.lower()}"
        podman("run", "-d", "--name", untracked, "--label", label, "localhost/pyspire-test/busybox:latest", "sleep", "600")
        assert untracked in containers_labelled(label)
    assert containers_labelled(label) == []
