"""A k3s cluster run by pyspire against the real control plane image (kube-apiserver, controller
manager, scheduler, kine and kwok built from their Go modules; tests/integrations/k3s/cluster.py):
it becomes healthy once its node is Ready; a host process and a container, each with
``with_reference(cluster)``, run ``kubectl get nodes`` with the kubeconfig they were given; its
token is never shown; an agent is a second Ready node, and the cluster is Unhealthy without it; the derived kubeconfigs are 0600; a persistent cluster is re-adopted
by the next run; a recreated cluster (restarted without a data volume: a new CA) gets new
kubeconfigs and a new client; nothing (container, kubeconfig) is left after stop."""

from __future__ import annotations

import json
import stat
import subprocess
import time

import pytest
import yaml

from pyspire import DistributedApplication, testing
from pyspire.integrations.k3s import cluster_client
from tests.conftest import until
from tests.integrations.k3s.cluster import K3S_IMAGE, KUBECTL_IMAGE, ensure_images, podman
from tests.integrations.k3s.tools import kubectl_binary

pytestmark = pytest.mark.containers

#: Cluster resource names of these tests (the network alias too): unique to this module.
CLUSTER = "clk8s"
START_TIMEOUT = 120


@pytest.fixture(scope="module", autouse=True)
def images() -> None:
    ensure_images()


@pytest.fixture
def containers():
    """Ids of the containers a test's app ran, removed by id afterwards with the persistent
    network they were on (a persistent cluster stays behind its app host on purpose)."""
    ids: list[str] = []
    yield ids
    networks = set()
    for container in ids:
        joined = podman("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", container, check=False)
        networks.update(joined.split())
        podman("rm", "-f", "-t", "0", container, check=False)
    for network in networks:
        if podman("network", "inspect", "--format", '{{index .Labels "pyspire.dev/app"}}', network, check=False):
            podman("network", "rm", "-f", network, check=False)


def cluster_app(tmp_path, *, agents: int = 0, persistent: bool = False):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster(CLUSTER).with_image(K3S_IMAGE).with_image_pull_policy("never").with_stop_grace_period(5)
    if agents:
        k8s.with_agents(agents)
    if persistent:
        k8s.with_lifetime("persistent")
    return b, k8s


def nodes_printed(app, name: str) -> dict[str, str]:
    """What ``kubectl get nodes --no-headers`` printed on stdout: node name → status."""
    rows = [line.text.split() for line in app.logs(name) if line.stream == "stdout"]
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def container_of(app, name: str) -> str:
    [replica] = app.resource(name).replicas
    assert replica.container_id
    return replica.container_id


async def test_the_cluster_becomes_healthy_its_token_unshown_and_a_host_process_with_its_reference_sees_the_node_ready(
    tmp_path, containers
):
    b, k8s = cluster_app(tmp_path)
    b.add_executable("nodes", kubectl_binary(), ".", "get", "nodes", "--no-headers").with_reference(k8s).wait_for(k8s)
    started = time.monotonic()
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        containers.append(container_of(app, CLUSTER))
        healthy_after = time.monotonic() - started
        print(f"\nk3s cluster: app start -> healthy in {healthy_after:.1f} s")
        done = await app.wait_for_resource("nodes", "Finished", timeout=60)
        assert done.exit_code == 0, app.log_text("nodes")
        assert nodes_printed(app, "nodes") == {CLUSTER: "Ready"}
        assert app.resource("nodes").env_dict()["KUBECONFIG"] == str(k8s.paths.host_kubeconfig)
        server = yaml.safe_load(k8s.paths.host_kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        assert server == app.endpoint_url(CLUSTER, "https")
        for path in k8s.paths.derived_files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        token = json.loads((tmp_path / ".pyspire" / "settings.json").read_text())["Parameters"][f"{CLUSTER}-token"]
        assert len(token) >= 20 and app.resource(CLUSTER).env_dict()["K3S_TOKEN"] != token  # masked
        assert token not in app.log_text(CLUSTER)
        assert token not in podman("inspect", "--format", "{{.Path}} {{.Args}}", container_of(app, CLUSTER))


async def test_a_container_with_the_reference_runs_kubectl_get_nodes_against_the_cluster_by_name(
    tmp_path, containers
):
    b, k8s = cluster_app(tmp_path)
    (
        b.add_container("kubectl", KUBECTL_IMAGE)
        .with_image_pull_policy("never")
        .with_args("get", "nodes", "--no-headers")
        .with_reference(k8s)
        .wait_for(k8s)
    )
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        containers.append(container_of(app, CLUSTER))
        done = await app.wait_for_resource("kubectl", {"Finished", "Exited"}, timeout=60)
        log = app.log_text("kubectl")
        assert done.exit_code == 0, log
        assert nodes_printed(app, "kubectl").get(CLUSTER) == "Ready", log
        inside = yaml.safe_load(k8s.paths.container_kubeconfig.read_text())
        assert inside["clusters"][0]["cluster"]["server"] == f"https://{CLUSTER}:6443"


async def test_with_one_agent_the_cluster_is_healthy_with_two_ready_nodes(tmp_path, containers):
    b, k8s = cluster_app(tmp_path, agents=1)
    b.add_executable("nodes", kubectl_binary(), ".", "get", "nodes", "--no-headers").with_reference(k8s).wait_for(k8s)
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        containers.extend([container_of(app, CLUSTER), container_of(app, f"{CLUSTER}-agent-0")])
        await app.wait_for_resource("nodes", "Finished", timeout=60)
        assert nodes_printed(app, "nodes") == {CLUSTER: "Ready", f"{CLUSTER}-agent-0": "Ready"}


async def test_nothing_is_left_after_stop_neither_containers_nor_kubeconfig_files(tmp_path, containers):
    b, k8s = cluster_app(tmp_path, agents=1)
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        ran = [container_of(app, CLUSTER), container_of(app, f"{CLUSTER}-agent-0")]
        containers.extend(ran)
        assert all(p.exists() for p in k8s.paths.derived_files)
    for container in ran:
        assert podman("ps", "-a", "-q", "--filter", f"id={container}") == ""
    left = [p for p in k8s.paths.root.rglob("*") if p.is_file()]
    assert left == []


async def test_a_persistent_cluster_is_readopted_by_the_next_run_and_its_kubeconfig_still_works(
    tmp_path, containers
):
    b, k8s = cluster_app(tmp_path, persistent=True)
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        first = container_of(app, CLUSTER)
        containers.append(first)
        ca = yaml.safe_load(k8s.paths.host_kubeconfig.read_text())["clusters"][0]["cluster"]
    assert podman("inspect", "--format", "{{.State.Running}}", first) == "true"
    assert k8s.paths.host_kubeconfig.exists()  # a persistent cluster keeps its files

    b2, k8s2 = cluster_app(tmp_path, persistent=True)
    b2.add_executable("nodes", kubectl_binary(), ".", "get", "nodes", "--no-headers").with_reference(k8s2).wait_for(k8s2)
    started = time.monotonic()
    async with testing.start(b2) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        print(f"\nk3s cluster re-adopted: healthy in {time.monotonic() - started:.1f} s")
        assert container_of(app, CLUSTER) == first
        assert "re-adopted" in app.log_text(CLUSTER)
        await app.wait_for_resource("nodes", "Finished", timeout=60)
        assert nodes_printed(app, "nodes").get(CLUSTER) == "Ready"
        again = yaml.safe_load(k8s2.paths.host_kubeconfig.read_text())["clusters"][0]["cluster"]
        assert again["certificate-authority-data"] == ca["certificate-authority-data"]


async def test_a_recreated_cluster_new_ca_regenerates_the_kubeconfigs_and_rebuilds_the_client(tmp_path, containers):
    b, k8s = cluster_app(tmp_path)
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        containers.append(container_of(app, CLUSTER))
        before = yaml.safe_load(k8s.paths.host_kubeconfig.read_text())["clusters"][0]["cluster"]
        client = cluster_client(k8s.paths)
        result = await app.execute_command(CLUSTER, "restart")
        assert result.success, result
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        containers.append(container_of(app, CLUSTER))
        after = yaml.safe_load(k8s.paths.host_kubeconfig.read_text())["clusters"][0]["cluster"]
        assert after["certificate-authority-data"] != before["certificate-authority-data"]  # no data volume
        assert cluster_client(k8s.paths) is not client and client.http.is_closed
        nodes = subprocess.run(
            [kubectl_binary(), f"--kubeconfig={k8s.paths.host_kubeconfig}", "get", "nodes", "--no-headers"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert nodes.returncode == 0 and nodes.stdout.split()[:2] == [CLUSTER, "Ready"], nodes.stderr


async def test_a_stopped_agent_makes_the_cluster_unhealthy_one_of_two_nodes_ready(tmp_path, containers):
    b, k8s = cluster_app(tmp_path, agents=1)
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=START_TIMEOUT)
        containers.extend([container_of(app, CLUSTER), container_of(app, f"{CLUSTER}-agent-0")])
        assert (await app.execute_command(f"{CLUSTER}-agent-0", "stop")).success
        unhealthy = await until(app, CLUSTER, lambda s: s.health_status == "Unhealthy", timeout=90)
        [report] = unhealthy.health_reports
        assert report.description == "1 of 2 nodes Ready", report  # a stopped agent's node leaves


async def test_a_missing_cluster_image_fails_the_cluster_with_the_cause_and_its_helm_child_without_running(tmp_path):
    """No k3s image here: the cluster fails to start naming the image and the pull policy, its
    Helm child waits (never runs against a cluster that is not there), the rest of the app runs."""
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster(CLUSTER).with_image("localhost/pyspire-test/no-such-k3s").with_image_tag("1")
    k8s.with_image_pull_policy("never")
    k8s.add_helm_release("web", str(tmp_path))
    b.add_executable("api", "sleep", str(tmp_path), "60")
    async with testing.start(b) as app:
        failed = await app.wait_for_resource(CLUSTER, "FailedToStart", timeout=60)
        assert "localhost/pyspire-test/no-such-k3s:1" in failed.state_message
        assert "not present locally" in failed.state_message
        assert (await app.wait_for_resource("api")).state == "Running"
        web = await app.wait_for_resource("web", "FailedToStart", timeout=30)
        assert f"'{CLUSTER}' is FailedToStart" in web.state_message
        assert not web.replicas or not web.replicas[0].container_id
