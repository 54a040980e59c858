"""The k3s-like test image runs a real Kubernetes control plane and honours what the integration
relies on from rancher/k3s: version, Ready nodes, the kubeconfig it writes, TLS SANs, workloads
(kwok runs the pods), Service endpoints, port-forward to a real target, agents, a persistent data
volume and a prompt, clean stop on SIGTERM."""

from __future__ import annotations

import http.server
import json
import re
import secrets
import ssl
import stat
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integrations.k3s.cluster import (
    FORWARD_ANNOTATION,
    HELM_IMAGE,
    KUBECTL_IMAGE,
    Cluster,
    free_port,
    podman,
    unique,
    wait_for,
)
from tests.integrations.k3s.tools import kubectl_binary

pytestmark = [pytest.mark.containers, pytest.mark.timeout(300)]


def test_apiserver_reports_v1_36_3(k3s_cluster: Cluster) -> None:
    version = json.loads(k3s_cluster.kubectl("version", "-o", "json"))["serverVersion"]
    assert version["gitVersion"] == "v1.36.3"
    assert (version["major"], version["minor"]) == ("1", "36")


def test_server_node_is_ready(k3s_cluster: Cluster) -> None:
    assert k3s_cluster.nodes().get(k3s_cluster.name) is True
    print(f"server Ready {k3s_cluster.ready_after:.1f} s after podman run")


def test_kubeconfig_is_written_with_the_requested_mode_and_works_with_host_kubectl(k3s_cluster: Cluster) -> None:
    written = k3s_cluster.output_dir / "kubeconfig.yaml"
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    config = yaml.safe_load(written.read_text())
    assert config["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    # The host variant (only the server rewritten) verifies the CA and authenticates as admin.
    assert "kube-system" in k3s_cluster.kubectl("get", "namespaces", "-o", "name")
    assert k3s_cluster.kubectl("auth", "can-i", "create", "deployments").strip() == "yes"


def test_tls_san_is_in_the_serving_certificate(k3s_cluster: Cluster) -> None:
    pem = ssl.get_server_certificate(("127.0.0.1", k3s_cluster.port))
    sans = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=pem, capture_output=True, text=True, check=True
    ).stdout
    assert "DNS:k3s.pyspire.test" in sans
    assert "IP Address:127.0.0.1" in sans and "DNS:localhost" in sans and f"DNS:{k3s_cluster.name}" in sans


def deployment(name: str, *, replicas: int = 1, annotations: dict[str, str] | None = None) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                    "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1", "ports": [{"containerPort": 80}]}]},
                },
            },
        }
    )


def service(name: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]},
        }
    )


def apply(cluster: Cluster, manifest: str) -> None:
    subprocess.run(
        [kubectl_binary(), f"--kubeconfig={cluster.kubeconfig_path}", "apply", "-f", "-"],
        input=manifest, capture_output=True, text=True, check=True,
    )  # fmt: skip


def test_a_deployment_becomes_available(k3s_cluster: Cluster) -> None:
    apply(k3s_cluster, deployment("avail", replicas=2))
    k3s_cluster.kubectl("wait", "--for=condition=Available", "deployment/avail", "--timeout=60s")
    pods = k3s_cluster.get_json("pods", "-l", "app=avail")["items"]
    assert len(pods) == 2
    assert all(p["status"]["phase"] == "Running" and p["spec"]["nodeName"] == k3s_cluster.name for p in pods)


def test_a_service_gets_endpoints(k3s_cluster: Cluster) -> None:
    apply(k3s_cluster, deployment("ends", replicas=2) + "---\n" + service("ends"))
    k3s_cluster.kubectl("wait", "--for=condition=Available", "deployment/ends", "--timeout=60s")

    def addresses() -> list[str]:
        slices = k3s_cluster.get_json("endpointslices", "-l", "kubernetes.io/service-name=ends")["items"]
        return [a for s in slices for e in (s.get("endpoints") or []) if e["conditions"].get("ready") for a in e["addresses"]]

    ips = wait_for("2 ready endpoints", lambda: len(addresses()) == 2 and addresses(), timeout=30)
    pod_ips = {p["status"]["podIP"] for p in k3s_cluster.get_json("pods", "-l", "app=ends")["items"]}
    assert set(ips) == pod_ips


@pytest.fixture
def host_http_server() -> Iterator[tuple[int, str]]:
    """A real HTTP server on the host (all addresses, so the container reaches it through
    host.containers.internal) answering every GET with a text unique to this test."""
    text = f"hello from the host {secrets.token_hex(4)}"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], text
    server.shutdown()
    server.server_close()


def get_through_port_forward(cluster: Cluster, target: str, timeout: float = 30) -> str:
    """`kubectl port-forward <target> LOCAL:80` and a GET through it (retried while kwok has not
    yet picked up the pod's forward)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        local = free_port()
        proc = subprocess.Popen(
            [kubectl_binary(), f"--kubeconfig={cluster.kubeconfig_path}", "port-forward", target, f"{local}:80"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            if "Forwarding from" in proc.stdout.readline():
                with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=5) as response:
                    return str(response.read().decode())
        except OSError as err:
            last = str(err)
        finally:
            proc.terminate()
            _, err_text = proc.communicate(timeout=5)
            last = last or err_text
        time.sleep(0.5)
    raise AssertionError(f"no answer through kubectl port-forward {target}: {last}")


def test_port_forward_reaches_the_annotated_host_server_and_keeps_working_after_the_pod_is_replaced(
    k3s_cluster: Cluster, host_http_server: tuple[int, str]
) -> None:
    port, text = host_http_server
    forward = {FORWARD_ANNOTATION: f"host.containers.internal:{port}"}
    apply(k3s_cluster, deployment("fwd", annotations=forward) + "---\n" + service("fwd"))
    k3s_cluster.kubectl("wait", "--for=condition=Available", "deployment/fwd", "--timeout=60s")
    assert get_through_port_forward(k3s_cluster, "svc/fwd") == text

    old = k3s_cluster.get_json("pods", "-l", "app=fwd")["items"][0]["metadata"]["name"]
    k3s_cluster.kubectl("delete", "pod", old, "--wait=true", "--timeout=30s")

    def new_ready_pod() -> str:
        for pod in k3s_cluster.get_json("pods", "-l", "app=fwd")["items"]:
            ready = any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
            if pod["metadata"]["name"] != old and ready and not pod["metadata"].get("deletionTimestamp"):
                return str(pod["metadata"]["name"])
        return ""

    new = wait_for("a replacement pod", new_ready_pod, timeout=30)
    assert get_through_port_forward(k3s_cluster, "svc/fwd") == text
    # The forward is the replacement pod's own: a PortForward named after it, owned by it.
    owners = k3s_cluster.get_json("portforwards.kwok.x-k8s.io", new)["metadata"]["ownerReferences"]
    assert [o["name"] for o in owners] == [new]


def test_agent_node_is_ready_while_the_agent_runs_and_gone_after_it_stops(k3s_cluster: Cluster) -> None:
    agent = k3s_cluster.start_agent()
    started = time.monotonic()
    try:
        wait_for(f"agent node {agent} Ready", lambda: k3s_cluster.nodes().get(agent) is True, timeout=60)
        print(f"agent Ready {time.monotonic() - started:.1f} s after podman run")
        assert k3s_cluster.nodes().get(k3s_cluster.name) is True
        podman("stop", "-t", "10", agent)
        wait_for(f"agent node {agent} gone or NotReady", lambda: k3s_cluster.nodes().get(agent) is not True, timeout=30)
    finally:
        podman("rm", "-f", "-t", "0", agent, check=False)
        k3s_cluster.agents.remove(agent)


def ca_of(cluster: Cluster) -> str:
    config = yaml.safe_load(cluster.kubeconfig_path.read_text())
    return str(config["clusters"][0]["cluster"]["certificate-authority-data"])


def test_data_volume_keeps_the_cluster_and_its_ca_across_a_restart(k3s_network: str, volumes: list[str]) -> None:
    volume = unique("data")
    podman("volume", "create", volume)
    volumes.append(volume)
    first = Cluster(k3s_network, volume=volume)
    try:
        first.start()
        first.kubectl("create", "configmap", "kept", "--from-literal=answer=42")
        ca = ca_of(first)
    finally:
        first.close()
    second = Cluster(k3s_network, volume=volume)
    try:
        second.start()
        assert ca_of(second) == ca
        kept = second.get_json("configmap", "kept")
        assert kept["data"] == {"answer": "42"}
    finally:
        second.close()


def test_sigterm_stops_the_server_within_5_seconds_with_exit_0(k3s_network: str) -> None:
    cluster = Cluster(k3s_network)
    try:
        cluster.start()
        started = time.monotonic()
        podman("kill", "--signal", "TERM", cluster.name)
        wait_for("the server to exit", lambda: not cluster.running(), timeout=10, interval=0.05)
        took = time.monotonic() - started
        print(f"server stopped {took:.2f} s after SIGTERM")
        assert took < 5
        assert podman("inspect", "--format", "{{.State.ExitCode}}", cluster.name) == "0"
    finally:
        cluster.close()


def test_the_kubeconfig_is_private_unless_a_mode_is_requested(k3s_network: str) -> None:
    """k3s' default: a kubeconfig only its owner reads; K3S_KUBECONFIG_MODE widens it."""
    cluster = Cluster(k3s_network, kubeconfig_mode="")
    try:
        cluster.start()
        written = cluster.output_dir / "kubeconfig.yaml"
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    finally:
        cluster.close()



def test_kubectl_inside_the_server_container_uses_the_admin_kubeconfig(k3s_cluster: Cluster) -> None:
    """As `k3s kubectl` (and `kubectl` in rancher/k3s) does: no kubeconfig flag needed."""
    assert podman("exec", k3s_cluster.name, "kubectl", "get", "nodes", "-o", "name") == f"node/{k3s_cluster.name}"
    assert podman("exec", k3s_cluster.name, "k3s", "kubectl", "get", "ns", "default", "-o", "name") == "namespace/default"


def test_helm_image_runs_helm_as_its_entrypoint() -> None:
    version = podman("run", "--rm", HELM_IMAGE, "version", "--template", "{{.Version}}")
    assert re.fullmatch(r"v4\.\d+\.\d+", version), version


def test_kubectl_image_reaches_the_cluster_by_container_name_with_the_container_kubeconfig(
    k3s_cluster: Cluster, tmp_path: Path
) -> None:
    """The container variant of the kubeconfig (https://<name>:6443) verifies against the CA:
    the server's certificate names its host, so a container on the network can use it."""
    config = yaml.safe_load((k3s_cluster.output_dir / "kubeconfig.yaml").read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://{k3s_cluster.name}:6443"
    (tmp_path / "kubeconfig.yaml").write_text(yaml.safe_dump(config))
    out = podman(
        "run", "--rm", "--network", k3s_cluster.network, "-v", f"{tmp_path}:/kube:ro",
        KUBECTL_IMAGE, "--kubeconfig=/kube/kubeconfig.yaml", "get", "nodes", "-o", "name",
    )  # fmt: skip
    assert out == f"node/{k3s_cluster.name}"


def test_a_killed_agents_node_stops_being_ready(k3s_cluster: Cluster) -> None:
    """No clean leave on SIGKILL: the node's lease stops being renewed and the node lifecycle
    controller marks it not Ready (the server runs it with a 20 s grace period)."""
    agent = k3s_cluster.start_agent()
    try:
        wait_for(f"agent node {agent} Ready", lambda: k3s_cluster.nodes().get(agent) is True, timeout=60)
        podman("kill", "--signal", "KILL", agent)
        wait_for(f"agent node {agent} not Ready", lambda: k3s_cluster.nodes().get(agent) is False, timeout=60, interval=1)
    finally:
        podman("rm", "-f", "-t", "0", agent, check=False)
        k3s_cluster.agents.remove(agent)
        k3s_cluster.kubectl("delete", "node", agent, "--ignore-not-found", check=False)
