"""A container whose ``podman run`` is in flight when the app host is SIGKILLed never outlives it:
the reaper (or, when the reaper was killed too, the next run) kills the engine call before it
sweeps by label, and the next run sweeps a dead run's label even when it recorded no engine.

``podman`` is a wrapper around the real one here whose ``run`` waits for the test's go-ahead:
that holds the call in flight for as long as the test needs, instead of aiming a kill at the
right millisecond (``benchmarks/bench_sigkill.py`` measures real kills at spread delays)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON, pid_alive
from tests.containers.helpers import BUSYBOX, containers_labelled, podman
from tests.integration.app_hosts import app_host, run_record, until_exists
from tests.integration.test_no_orphans import reaper_pids

pytestmark = [pytest.mark.containers, pytest.mark.slow]

APPHOST = f"""
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
b.add_container("box", {BUSYBOX!r}).with_args("sleep", "600").with_stop_grace_period(0)
b.build().run()
"""

WRAPPER = """#!/bin/sh
# Stands in for podman: `run` waits (at most 60 s) for the test's go-ahead, then goes on.
if [ "$1" = "run" ]; then
    echo $$ > {dir}/run-started.tmp && mv {dir}/run-started.tmp {dir}/run-started
    i=0
    while [ ! -e {dir}/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
fi
exec {podman} "$@"
"""


def slow_podman(folder: Path) -> dict[str, str]:
    """The environment for an app host whose `podman run` waits for ``folder/go``."""
    real = shutil.which("podman")
    assert real is not None
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "podman"
    wrapper.write_text(WRAPPER.format(dir=folder, podman=real))
    wrapper.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "PYSPIRE_CONTAINER_RUNTIME": "podman"}


def labelled_networks(run_id: str) -> list[str]:
    return podman("network", "ls", "--filter", f"label=pyspire.dev/run={run_id}", "--format", "{{.Name}}").split()


def release_and_clean(folder: Path, run_id: str, wrapper: int) -> list[str]:
    """Let a call that survived go on (before the fix, it creates its container now), wait for
    it, and remove what it made; returns the containers found."""
    (folder / "go").touch()
    deadline = time.monotonic() + 30
    while pid_alive(wrapper) and time.monotonic() < deadline:
        time.sleep(0.05)
    found = containers_labelled(f"pyspire.dev/run={run_id}")
    for name in found:
        podman("rm", "-f", "-t", "0", name)
    for network in labelled_networks(run_id):
        podman("network", "rm", "-f", network)
    return found


async def killed_during_run(folder: Path, kill_reaper: bool) -> tuple[str, int]:
    """Start the app host, SIGKILL it (and its reaper) while its `podman run` is in flight;
    returns the run id and the pid of that call."""
    (folder / "apphost.py").write_text(APPHOST)
    async with app_host(folder, started=None, env=slow_podman(folder)) as host:
        await until_exists(folder / "run-started")
        run_id = run_record(folder)["runId"]
        wrapper = int((folder / "run-started").read_text())
        if kill_reaper:
            for reaper in reaper_pids(folder):
                os.kill(reaper, signal.SIGKILL)
        host.proc.kill()
        await host.proc.wait()
    return run_id, wrapper


async def test_the_reaper_kills_a_podman_run_in_flight_before_it_sweeps(tmp_path):
    run_id, wrapper = await killed_during_run(tmp_path, kill_reaper=False)
    note_file = tmp_path / ".pyspire" / "runs" / f"{run_id}.swept"
    try:
        await until_exists(note_file)
        assert not pid_alive(wrapper), "the engine call outlived the reaper's sweep"
        assert labelled_networks(run_id) == []
    finally:
        left = release_and_clean(tmp_path, run_id, wrapper)
    assert left == []
    assert f"pid {wrapper} (sh podman run)" in json.loads(note_file.read_text())["killed"]


async def test_the_next_run_kills_a_podman_run_left_in_flight_when_app_host_and_reaper_were_killed(tmp_path):
    run_id, wrapper = await killed_during_run(tmp_path, kill_reaper=True)
    try:
        assert pid_alive(wrapper)  # nobody is left to stop it but the next run
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
        async with testing.start(b) as app:
            [report] = app.running.sweeps
            assert not pid_alive(wrapper), "the next run did not stop the engine call in flight"
            assert labelled_networks(run_id) == []
    finally:
        left = release_and_clean(tmp_path, run_id, wrapper)
    assert left == []
    assert report.by == "startup" and f"pid {wrapper} (sh podman run)" in report.killed, report


async def test_the_next_run_sweeps_a_dead_runs_label_even_when_it_recorded_no_engine(tmp_path):
    run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-deadbe"
    label = f"pyspire.dev/run={run_id}"
    network = f"pyspire-{run_id.lower()}"
    podman("network", "create", "--label", label, network)
    container = f"box-{run_id[-6:]}"
    podman("run", "-d", "--name", container, "--label", label, "--network", network, BUSYBOX, "sleep", "600")
    runs = tmp_path / ".pyspire" / "runs"
    runs.mkdir(parents=True)
    # A run whose app host is gone (this pid never had that start time) and that recorded no engine.
    dead = {"runId": run_id, "appHostPid": os.getpid(), "appHostStart": -1, "processes": {}, "containerEngine": None}
    (runs / f"{run_id}.json").write_text(json.dumps(dead))
    try:
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
        async with testing.start(b) as app:
            [report] = app.running.sweeps
            assert containers_labelled(label) == [] and labelled_networks(run_id) == []
    finally:
        podman("rm", "-f", "-t", "0", container)
        podman("network", "rm", "-f", network)
    assert f"container {container}" in report.killed and f"network {network}" in report.killed, report
