"""examples/orders deployed with ``pyspire deploy --target kubernetes`` onto the real control plane
of the k3s tests (kube-apiserver with server-side validation; kwok runs the pods), its images
pushed to a real registry; deployed again (an upgrade, nothing else changed); destroyed (nothing
left: no object of the release, no claim, no release, no image built here). A small app whose
StatefulSet cannot be scheduled fails naming the workload and why its pod is not up (its secret
never printed), and is destroyed keeping its claim when asked.

One deployment of orders is shared by the tests of this module, in order: deploy, upgrade, destroy.
"""

from __future__ import annotations

import base64
import json
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.deploy.helpers import BUSYBOX, image_exists, pyspire, write_app
from tests.deploy.kube import LocalRegistry, tools_env
from tests.integrations.k3s.cluster import Cluster, server_on_own_network, unique
from tests.integrations.k3s.tools import helm_binary
from tests.publish.trees import copy_example

pytestmark = [pytest.mark.containers, pytest.mark.timeout(1800)]

PG_PASSWORD = "pg-pw-7c41e9a2d3"
STORE_TOKEN = "tok-51d0b7e3aa"
NAMESPACE = "orders"
BUILT = ("migrate", "api", "worker", "frontend")

#: Volumes for the claims of orders' StatefulSets, reserved for them (``claimRef``), as an
#: administrator of a cluster without a storage provisioner provides them.
RESERVED_VOLUME = """
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {claim}-{suffix}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  hostPath: {{path: /tmp/{claim}}}
  claimRef: {{namespace: {namespace}, name: {claim}}}
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A Ready server of the k3s tests' image on a network of its own (removed by name)."""
    with server_on_own_network("--disable", "traefik") as server:
        yield server


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    running = LocalRegistry(tmp_path_factory.mktemp("registry")).start()
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Deployment:
    app: Path
    folder: Path
    cluster: Cluster
    registry: LocalRegistry
    first: subprocess.CompletedProcess[str]

    def deploy(self) -> subprocess.CompletedProcess[str]:
        return pyspire(
            "deploy", "--target", "kubernetes", "-o", str(self.folder), "--registry", self.registry.address,
            "--kubeconfig", str(self.cluster.kubeconfig_path), "--timeout", "180", str(self.app),
            env={**tools_env(), "Parameters__pg-password": PG_PASSWORD}, timeout=1500,
        )  # fmt: skip

    def destroy(self) -> subprocess.CompletedProcess[str]:
        return pyspire("destroy", "--target", "kubernetes", "-o", str(self.folder), env=tools_env())

    @property
    def record(self) -> dict[str, object]:
        return json.loads((self.folder / "deployment.json").read_text())

    def values(self) -> dict[str, object]:
        return yaml.safe_load((self.folder / "deploy-values.yaml").read_text())


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster, registry: LocalRegistry) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("orders")
    app = copy_example("orders", root)
    suffix = unique("pv").rsplit("-", 1)[-1]
    volumes = [RESERVED_VOLUME.format(claim=claim, suffix=suffix, namespace=NAMESPACE) for claim in ("pg-data-pg-0", "cache-data-cache-0")]
    subprocess.run(
        [*cluster_kubectl(cluster), "apply", "-f", "-"], input="---".join(volumes), check=True, capture_output=True, text=True
    )
    deployment = Deployment(app, root / "deploy", cluster, registry, subprocess.CompletedProcess([], 0))
    deployment.first = deployment.deploy()
    yield deployment
    if (deployment.folder / "deployment.json").is_file():
        deployment.destroy()
    cluster.kubectl("delete", "pv", f"pg-data-pg-0-{suffix}", f"cache-data-cache-0-{suffix}", "--wait=false", check=False)


def cluster_kubectl(cluster: Cluster) -> list[str]:
    from tests.integrations.k3s.tools import kubectl_binary

    return [kubectl_binary(), f"--kubeconfig={cluster.kubeconfig_path}"]


def released(cluster: Cluster) -> list[dict[str, object]]:
    listed = subprocess.run(
        [helm_binary(), f"--kubeconfig={cluster.kubeconfig_path}", "list", "-A", "-o", "json"], capture_output=True, text=True, check=True
    )
    return list(json.loads(listed.stdout or "[]"))


def test_orders_deploys_onto_the_control_plane_with_its_images_pushed_and_its_secret_filled(orders: Deployment) -> None:
    done = orders.first
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    for resource in ("pg", "cache", "migrate", "api", "worker", "frontend"):
        assert f"  {resource} " in done.stdout, resource  # its progress, by name
    assert "api available (2 replicas)" in done.stdout and "pg ready" in done.stdout and "migrate complete" in done.stdout
    assert PG_PASSWORD not in output and "Traceback" not in output

    cluster = orders.cluster
    for deployment in ("api", "worker", "frontend"):
        cluster.kubectl("-n", NAMESPACE, "wait", "--for=condition=Available", f"deployment/{deployment}", "--timeout=60s")
    for statefulset in ("pg", "cache"):
        assert cluster.get_json("-n", NAMESPACE, "statefulset", statefulset)["status"].get("readyReplicas") == 1
    secret = cluster.get_json("-n", NAMESPACE, "secret", "pg-secret")
    assert base64.b64decode(secret["data"]["POSTGRES_PASSWORD"]).decode() == PG_PASSWORD
    cache_password = orders.values()["secrets"]["cache_password"]  # generated for the deployment
    cache_secret = cluster.get_json("-n", NAMESPACE, "secret", "cache-secret")
    assert [base64.b64decode(v).decode() for v in cache_secret["data"].values()] == [cache_password]
    assert str(cache_password) not in output
    services = {item["metadata"]["name"] for item in cluster.get_json("-n", NAMESPACE, "services")["items"]}
    assert {"pg", "cache", "api", "frontend"} <= services

    values_file = orders.folder / "deploy-values.yaml"
    assert stat.S_IMODE(values_file.stat().st_mode) == 0o600
    images = orders.values()["services"]
    for service in BUILT:
        image = images[service]["image"]
        assert image["repository"] == f"{orders.registry.address}/orders/{service}"
        assert orders.registry.tags(f"orders/{service}") == [image["tag"]]
        pod_image = cluster.get_json("-n", NAMESPACE, "pods", "-l", f"app.kubernetes.io/name={service}")["items"][0]["spec"]["containers"][0]["image"]
        assert pod_image == f"{image['repository']}:{image['tag']}"
    assert images["migrate"]["image"]["tag"] == images["api"]["image"]["tag"]  # one build for the three apps of ./api


def test_deploying_again_is_an_upgrade_that_changes_no_workload(orders: Deployment) -> None:
    assert orders.first.returncode == 0
    cluster = orders.cluster
    before = {
        f"{kind}/{item['metadata']['name']}": item["metadata"]["generation"]
        for kind in ("deployments", "statefulsets")
        for item in cluster.get_json("-n", NAMESPACE, kind)["items"]
    }
    values_before = orders.values()
    again = orders.deploy()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "revision 2" in again.stdout
    (release,) = [r for r in released(cluster) if r["name"] == "orders"]
    assert release["revision"] == "2" and release["status"] == "deployed"
    after = {
        f"{kind}/{item['metadata']['name']}": item["metadata"]["generation"]
        for kind in ("deployments", "statefulsets")
        for item in cluster.get_json("-n", NAMESPACE, kind)["items"]
    }
    assert after == before  # the same images and values: no rollout
    assert orders.values() == values_before  # the generated password kept, the same image tags


def test_destroy_leaves_nothing_of_the_release_on_the_cluster_nor_an_image_built_here(orders: Deployment) -> None:
    assert orders.first.returncode == 0
    cluster = orders.cluster
    built = [str(image) for image in orders.record["images"]]
    assert built and all(image_exists(image) for image in built)
    gone = orders.destroy()
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "data" in gone.stdout and "pg-data-pg-0" in gone.stdout  # says the data volumes go
    assert "left in the registry" in gone.stdout
    labelled = cluster.kubectl("get", "all,configmaps,secrets,pvc", "-A", "-l", "app.kubernetes.io/instance=orders", "-o", "name")
    assert labelled.strip() == ""
    assert cluster.get_json("pvc", "-A")["items"] == []
    assert [r for r in released(cluster) if r["name"] == "orders"] == []
    assert cluster.kubectl("get", "namespace", NAMESPACE, check=False) == ""  # deploy created it
    assert not any(image_exists(image) for image in built)
    assert orders.registry.tags("orders/api")  # pushed tags are the registry owner's
    again = orders.destroy()
    assert again.returncode == 0 and "nothing to remove" in again.stdout


def test_a_statefulset_that_cannot_be_scheduled_fails_naming_it_and_its_pod_reason_and_keep_volumes_keeps_its_claim(
    tmp_path: Path, cluster: Cluster
) -> None:
    apphost = write_app(
        tmp_path / "store",
        'token = builder.add_parameter("token", secret=True)\n'
        f'(builder.add_container("store", "{BUSYBOX}").with_entrypoint("sleep").with_args("3600")\n'
        '    .with_env("TOKEN", token).with_volume("store-data", "/data"))\n',
    )
    folder = tmp_path / "deploy"
    done = pyspire(
        "deploy", "--target", "kubernetes", "-o", str(folder), "--kubeconfig", str(cluster.kubeconfig_path),
        "--timeout", "15", str(apphost), env={**tools_env(), "Parameters__token": STORE_TOKEN},
    )  # fmt: skip
    try:
        assert done.returncode == 1, done.stdout + done.stderr
        assert "helm upgrade --install store failed" in done.stderr
        assert "statefulset store: 0/1 ready" in done.stderr
        assert "pod store-0: Unschedulable" in done.stderr and "PersistentVolumeClaim" in done.stderr
        assert STORE_TOKEN not in done.stdout + done.stderr and "Traceback" not in done.stderr
        kept = pyspire("destroy", "--target", "kubernetes", "-o", str(folder), "--keep-volumes", env=tools_env())
        assert kept.returncode == 0, kept.stdout + kept.stderr
        assert "kept (--keep-volumes)" in kept.stdout and "namespace store kept" in kept.stdout
        claims = cluster.get_json("pvc", "-n", "store")["items"]
        assert [claim["metadata"]["name"] for claim in claims] == ["store-data-store-0"]
        assert [r for r in released(cluster) if r["name"] == "store"] == []
    finally:
        cluster.kubectl("delete", "namespace", "store", "--ignore-not-found", "--wait=true", timeout=120, check=False)
