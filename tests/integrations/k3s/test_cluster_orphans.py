"""After SIGKILL of the app host, nothing of a session cluster outlives the next run's start: the
reaper removes its container, and the next run removes the kubeconfigs the killed one left —
before any cluster starts (here the cluster waits for an explicit start, and the files are gone
all the same)."""

from __future__ import annotations

import asyncio
import signal

import pytest

from pyspire.integrations.k3s.paths import cluster_paths
from tests.containers.helpers import containers_labelled, podman
from tests.containers.test_container_no_orphans import run_label, until
from tests.integration.test_no_orphans import PYSPIRE
from tests.integrations.k3s.cluster import K3S_IMAGE, ensure_images

pytestmark = pytest.mark.containers

CLUSTER = "clkill"
APPHOST = f"""
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
k8s = b.add_k3s_cluster({CLUSTER!r}).with_image({K3S_IMAGE!r}).with_image_pull_policy("never")
k8s.with_stop_grace_period(2){{explicit}}
b.build().run()
"""


async def start(folder, started: list) -> tuple[asyncio.subprocess.Process, list[str]]:
    """``pyspire run folder``, once it printed its startup headline (a cluster waiting for an
    explicit start is "still starting": the headline says so after 10 s)."""
    proc = await asyncio.create_subprocess_exec(
        PYSPIRE, "run", str(folder), "--no-color", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    started.append(proc)
    output: list[str] = []
    assert proc.stdout is not None
    async with asyncio.timeout(60):
        while "Ctrl+C stops everything" not in "".join(output):
            line = await proc.stdout.readline()
            assert line, "pyspire exited:\n" + "".join(output)
            output.append(line.decode())
    return proc, output


async def drain(proc: asyncio.subprocess.Process, output: list[str]) -> None:
    """Keep reading the app host's console, so a full pipe never blocks it."""
    assert proc.stdout is not None
    while line := await proc.stdout.readline():
        output.append(line.decode())


@pytest.fixture
def app_hosts():
    """The ``pyspire run`` processes a test started: none is left running, whatever failed."""
    procs: list[asyncio.subprocess.Process] = []
    yield procs
    for proc in procs:
        if proc.returncode is None:
            proc.kill()


@pytest.mark.slow
async def test_after_sigkill_the_reaper_removes_the_cluster_and_the_next_run_its_kubeconfigs(tmp_path, app_hosts):
    ensure_images()
    folder = tmp_path.resolve()
    paths = cluster_paths(folder, CLUSTER)
    (folder / "apphost.py").write_text(APPHOST.format(explicit=""))
    proc, output = await start(folder, app_hosts)
    reader = asyncio.create_task(drain(proc, output))
    label = run_label(folder)
    try:
        assert await until(lambda: paths.host_kubeconfig.exists(), timeout=120), "".join(output)
        proc.kill()
        await proc.wait()
        await reader
        assert await until(lambda: containers_labelled(label) == [], timeout=60)
        assert paths.host_kubeconfig.exists() and paths.raw_kubeconfig.exists()  # the kill left them

        (folder / "apphost.py").write_text(APPHOST.format(explicit=".with_explicit_start()"))
        second, output = await start(folder, app_hosts)
        reader = asyncio.create_task(drain(second, output))
        assert not any(p.exists() for p in (*paths.derived_files, paths.raw_kubeconfig)), "".join(output)
        second.send_signal(signal.SIGINT)
        await asyncio.wait_for(second.wait(), 30)
        await reader
        assert second.returncode == 0, "".join(output)
    finally:
        for name in containers_labelled(label):
            podman("rm", "-f", "-t", "0", name)
