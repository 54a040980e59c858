"""Helm releases against the real control plane (the locally built k3s-like image), through
pyspire: a local chart's Deployment becomes Available; a second run with nothing changed is not
reinstalled (revision stays 1); a changed value upgrades (revision 2); a failing chart fails only
its own child, with Helm's message, while the cluster and the other release keep going.

The cluster keeps its state in a data volume between the runs (so the release is still there),
named for this test and removed by that name at the end. The durations of the Helm child are
printed (``-s``) for the benchmark."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pyspire import DistributedApplication, testing
from tests.integrations.k3s.cluster import HELM_IMAGE, K3S_IMAGE, ensure_images, unique
from tests.integrations.k3s.helm_model import CHARTS
from tests.integrations.k3s.tools import helm_binary, kubectl_binary

pytestmark = [pytest.mark.containers, pytest.mark.timeout(600)]

TIMEOUT = 180


@pytest.fixture
def data_volume(volumes: list[str]) -> str:
    """The cluster's data volume for this test (removed by its name by ``volumes`` at the end)."""
    ensure_images()
    volumes.append(unique("helm-data"))
    return volumes[-1]


def helm_app(tmp_path: Path, volume: str | None, values: dict[str, Any], failing: bool = False):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cluster = b.add_k3s_cluster("helmk").with_image(K3S_IMAGE).with_stop_grace_period(5)
    if volume is not None:
        # The node keeps its name when the container is recreated on the same data (else the
        # first run's pods stay on a node nobody runs, and a rolling upgrade never completes).
        cluster.with_data_volume(volume).with_extra_args("--node-name=helmk-server")
    cluster.add_helm_release("web", str(CHARTS / "web")).with_image(HELM_IMAGE).with_values(values).with_timeout("2m")
    if failing:
        cluster.add_helm_release("broken", str(CHARTS / "failing")).with_image(HELM_IMAGE)
    return b, cluster


def tool(binary: str, kubeconfig: Path, *args: str) -> str:
    out = subprocess.run([binary, f"--kubeconfig={kubeconfig}", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def revisions(kubeconfig: Path) -> list[int]:
    history = json.loads(tool(helm_binary(), kubeconfig, "history", "web", "-n", "default", "-o", "json"))
    return [int(r["revision"]) for r in history]


def deployment(kubeconfig: Path) -> dict[str, Any]:
    return json.loads(tool(kubectl_binary(), kubeconfig, "get", "deployment", "web", "-n", "default", "-o", "json"))


def available(kubeconfig: Path) -> bool:
    conditions = deployment(kubeconfig).get("status", {}).get("conditions", [])
    return any(c["type"] == "Available" and c["status"] == "True" for c in conditions)


def seconds(snapshot: Any) -> float:
    return (datetime.fromisoformat(snapshot.stopped_at) - datetime.fromisoformat(snapshot.started_at)).total_seconds()


async def run_release(
    tmp_path: Path, volume: str, greeting: str, check: Callable[[Any, str, Path], None]
) -> tuple[Any, float]:
    """One run of the app: the ``web`` child's snapshot once Finished, and the seconds from the
    cluster being healthy to that; ``check(snapshot, log, kubeconfig)`` runs while it is up."""
    kubeconfig = tmp_path / ".pyspire" / "k3s" / "helmk" / "host" / "kubeconfig.yaml"
    b, _ = helm_app(tmp_path, volume, {"greeting": greeting})
    async with testing.start(b) as app:
        await app.wait_for_healthy("helmk", timeout=TIMEOUT)
        healthy = time.monotonic()
        snapshot = await app.wait_for_resource("web", "Finished", timeout=TIMEOUT)
        wall = time.monotonic() - healthy
        assert snapshot.exit_code == 0, app.log_text("web")
        check(snapshot, app.log_text("web"), kubeconfig)
    return snapshot, wall


def first_install(snapshot: Any, log: str, kubeconfig: Path) -> None:
    assert snapshot.replicas, "a Helm container ran"
    assert available(kubeconfig), deployment(kubeconfig)
    assert revisions(kubeconfig) == [1]
    assert "STATUS: deployed" in log, "Helm's own output is the child's log"


def not_reinstalled(snapshot: Any, log: str, kubeconfig: Path) -> None:
    assert snapshot.state_message is not None and snapshot.state_message.startswith("unchanged, not reinstalled")
    assert snapshot.replicas == (), "no Helm container was made"
    assert revisions(kubeconfig) == [1]


def upgraded(snapshot: Any, log: str, kubeconfig: Path) -> None:
    assert snapshot.replicas, "a Helm container ran"
    assert revisions(kubeconfig) == [1, 2]
    annotations = deployment(kubeconfig)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["pyspire.dev/greeting"] == "second"
    assert available(kubeconfig)


async def test_a_local_chart_is_available_an_unchanged_rerun_is_not_reinstalled_and_a_new_value_upgrades(
    tmp_path: Path, data_volume: str
) -> None:
    install, install_wall = await run_release(tmp_path, data_volume, "first", first_install)
    _, skip_wall = await run_release(tmp_path, data_volume, "first", not_reinstalled)
    upgrade, _ = await run_release(tmp_path, data_volume, "second", upgraded)
    print(
        f"\nhelm child: install {seconds(install):.1f} s in its container (cluster healthy → Finished "
        f"{install_wall:.1f} s), unchanged skip {skip_wall:.2f} s, upgrade {seconds(upgrade):.1f} s"
    )


async def test_a_failing_chart_fails_only_its_child_with_helms_message_and_both_show_under_the_cluster(tmp_path: Path) -> None:
    ensure_images()
    b, _ = helm_app(tmp_path, None, {"greeting": "hi"}, failing=True)
    async with testing.start(b) as app:
        broken = await app.wait_for_resource("broken", "Exited", timeout=TIMEOUT)
        assert broken.exit_code not in (0, None)
        assert "boom: this chart fails on purpose" in app.log_text("broken")
        web = await app.wait_for_resource("web", "Finished", timeout=TIMEOUT)
        assert web.exit_code == 0, app.log_text("web")
        cluster = app.resource("helmk")
        assert (cluster.state, cluster.health_status) == ("Running", "Healthy")
        async with app.api_client() as client:
            listed = {s["name"]: s for s in (await client.get("/v1/resources")).json()["resources"]}
        for child in ("web", "broken"):
            assert {"resource": "helmk", "type": "Parent"} in listed[child]["relationships"], listed[child]
            assert listed[child]["resource_type"] == "HelmRelease" and listed[child]["hidden"] is False
