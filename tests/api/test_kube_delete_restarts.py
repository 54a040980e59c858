"""Deleting a replica's object from outside (kubectl delete) replaces it, as Aspire's app host
recreates a deleted DCP Executable — except for a resource stopped by command.

Most of these delete through the store directly (what the API's DELETE does); the container one
goes through the real kubectl and podman.
"""

from __future__ import annotations

import asyncio

import pytest

from pyspire import DistributedApplication, testing
from tests.api.kube_helpers import Kubectl, recording_states, table_rows, wait_for_kubeconfig
from tests.conftest import PYTHON, pid_alive, until

SLEEP = "import time; time.sleep(120)"


async def test_deleting_one_of_two_replicas_replaces_only_that_one(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("worker", PYTHON, ".", "-c", SLEEP).with_replicas(2)
    async with testing.start(b) as app:
        await app.wait_for_resource("worker")
        await until(app, "worker", lambda s: all(r.pid for r in s.replicas))
        before = app.resource("worker")
        gone, kept = before.replicas
        async with recording_states(app, "worker") as states:
            app.orchestrator.store.delete("Executable", gone.name)
            after = await until(
                app,
                "worker",
                lambda s: s.restart_count == 1 and all(r.state == "Running" and r.pid for r in s.replicas),
            )
        names = {r.name for r in after.replicas}
        assert kept.name in names and gone.name not in names and len(names) == 2
        assert not pid_alive(gone.pid) and pid_alive(kept.pid)
        assert set(states) == {"Running"}, states  # the other replica kept it Running throughout
        objects = app.orchestrator.store.list("Executable")
        indexes = sorted(o["metadata"]["labels"]["pyspire.dev/replica-index"] for o in objects)
        assert indexes == ["0", "1"]


async def test_deleting_a_stopped_or_finished_replica(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("worker", PYTHON, ".", "-c", SLEEP).with_stop_grace_period(1)
    b.add_executable("job", PYTHON, ".", "-c", "print('ran')")
    async with testing.start(b) as app:
        await app.wait_for_resource("worker")
        assert (await app.execute_command("worker", "stop")).success
        stopped = app.resource("worker")
        app.orchestrator.store.delete("Executable", stopped.replicas[0].name)
        await app.orchestrator.wait_deleted("Executable", [stopped.replicas[0].name])
        await asyncio.sleep(0.2)
        # Stopped by command: deleting what is left starts nothing; start still works.
        now = app.resource("worker")
        assert now.state == "Exited" and now.restart_count == 0
        assert (await app.execute_command("worker", "start")).success
        await app.wait_for_resource("worker")

        # A job that finished runs again when its replica is deleted: deleting means "restart".
        await app.wait_for_resource("job", "Finished")
        first = app.resource("job").replicas[0].name
        app.orchestrator.store.delete("Executable", first)
        again = await until(app, "job", lambda s: s.restart_count == 1 and s.state == "Finished")
        assert again.replicas[0].name != first
        # Lines that are exactly the job's output: a replica name may contain "ran" too.
        assert app.log_text("job").splitlines().count("ran") == 2


@pytest.mark.containers
async def test_kubectl_delete_container_replaces_it(tmp_path):
    from tests.containers.helpers import sh

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "box", "echo up; sleep 600")
    async with testing.start(b) as app:
        await app.wait_for_resource("box", timeout=60)
        old = app.resource("box").replicas[0]
        kubeconfig = await wait_for_kubeconfig(tmp_path / ".pyspire" / "kubeconfig")
        (tmp_path / "home").mkdir()
        kubectl = Kubectl(kubeconfig, tmp_path / "home")
        rows = table_rows(await kubectl.output("get", "containers"))
        assert list(rows[0]) == ["NAME", "STATE", "CONTAINER ID", "IMAGE", "PORTS", "AGE"]
        assert rows[0]["NAME"] == old.name and rows[0]["STATE"] == "Running"
        assert rows[0]["CONTAINER ID"] == old.container_id[:12]
        networks = table_rows(await kubectl.output("get", "containernetworks"))
        assert networks[0]["STATE"] == "Ready" and networks[0]["NETWORK NAME"].startswith("pyspire-")

        await kubectl.output("delete", "container", old.name)
        new = await until(
            app,
            "box",
            lambda s: (
                s.state == "Running" and s.replicas[0].name != old.name and bool(s.replicas[0].container_id)
            ),
            timeout=60,
        )
        assert new.restart_count == 1 and new.replicas[0].container_id != old.container_id


async def test_a_replica_being_replaced_shows_stopping_and_shutdown_does_not_replace_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    # Ignores SIGTERM: the deleted replica takes its whole grace period to go.
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(120)"
    b.add_executable("slow", PYTHON, ".", "-c", stubborn).with_stop_grace_period(1)
    async with testing.start(b) as app:
        await app.wait_for_log("slow", "up")  # SIGTERM is ignored from here on
        old = app.resource("slow").replicas[0]
        app.orchestrator.store.delete("Executable", old.name)
        replacing = await until(app, "slow", lambda s: s.state == "Stopping")
        assert replacing.state_message == f"replacing deleted replica {old.name}"
        assert {c.name: c.state for c in replacing.commands}["stop"] != "enabled"
        # The app host stops while the old process still has its grace period: nothing replaces it.
    final = app.resource("slow")
    assert [r.name for r in final.replicas] == [old.name] and final.restart_count == 0
    assert not pid_alive(old.pid)
