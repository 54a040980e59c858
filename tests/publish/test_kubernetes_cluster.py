"""The published chart of ``examples/orders`` on the real Kubernetes control plane of the k3s
tests (the locally built k3s-like image; kwok runs the pods): ``kubectl apply --dry-run=server``
accepts every object (server-side validation, admission included), and ``helm install`` makes
its Deployments and StatefulSets become available."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.integrations.k3s.cluster import Cluster, server_on_own_network
from tests.integrations.k3s.tools import kubectl_binary
from tests.publish.charts import helm, required_settings
from tests.publish.trees import copy_example, publish_cli

pytestmark = [pytest.mark.containers, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A Ready server of the k3s tests' image on a network of its own (removed by name)."""
    with server_on_own_network("--disable", "traefik") as server:
        yield server


def apply(cluster: Cluster, manifests: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [kubectl_binary(), f"--kubeconfig={cluster.kubeconfig_path}", "apply", *flags, "-f", "-"],
        input=manifests, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


PERSISTENT_VOLUME = """
apiVersion: v1
kind: PersistentVolume
metadata: {{name: orders-test-{index}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  hostPath: {{path: /tmp/orders-test-{index}}}
"""


def test_the_api_server_accepts_every_object_of_the_orders_chart_and_its_workloads_become_available(tmp_path, cluster):
    app = copy_example("orders", tmp_path)
    chart = app / "publish"
    assert publish_cli(app, chart, target="kubernetes").returncode == 0
    settings = required_settings(chart)
    rendered = helm("template", "orders", str(chart), *settings)
    assert rendered.returncode == 0, rendered.stderr
    dry_run = apply(cluster, rendered.stdout, "--dry-run=server")
    assert dry_run.returncode == 0, dry_run.stderr
    accepted = dry_run.stdout.splitlines()
    for name in ("secret/pg-secret", "configmap/api-config", "service/api", "deployment.apps/api", "statefulset.apps/pg", "job.batch/migrate-1"):
        assert any(line.startswith(f"{name} ") and "(server dry run)" in line for line in accepted), (name, accepted)

    # The control plane has no storage provisioner (a platform's job): two volumes the claims of
    # the StatefulSets (pg-data, cache-data) bind to, as a cluster administrator provides them.
    for index in range(2):
        created = apply(cluster, PERSISTENT_VOLUME.format(index=index))
        assert created.returncode == 0, created.stderr
    install = helm(
        "install", "orders", str(chart), f"--kubeconfig={cluster.kubeconfig_path}", "--namespace", "shop-orders",
        "--create-namespace", "--wait", "--timeout", "120s", *settings, timeout=240,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    for workload in ("deployment/api", "deployment/worker", "deployment/frontend"):
        cluster.kubectl("-n", "shop-orders", "wait", "--for=condition=Available", workload, "--timeout=60s")
    for statefulset in ("pg", "cache"):
        ready = cluster.get_json("-n", "shop-orders", "statefulset", statefulset)["status"].get("readyReplicas")
        assert ready == 1, statefulset
    api = cluster.get_json("-n", "shop-orders", "deployment", "api")
    assert api["status"]["availableReplicas"] == 2
    assert api["spec"]["template"]["spec"]["initContainers"][0]["name"] == "wait-for-cache"
    secret = cluster.get_json("-n", "shop-orders", "secret", "pg-secret")
    assert set(secret["data"]) == {"POSTGRES_PASSWORD"}
