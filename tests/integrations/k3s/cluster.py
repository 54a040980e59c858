"""Test harness (not product): a real Kubernetes control plane in a podman container, from the
locally built k3s-like image (scripts/kube-images.sh). The k3s integration's tests select these
images through its normal image overrides; this module starts clusters directly for the tests
that check the image itself and for fixtures that need a cluster without pyspire in between."""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.integrations.k3s.tools import kubectl_binary

_SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "kube-images.sh"

K3S_IMAGE = "localhost/pyspire-test/k3s:latest"
HELM_IMAGE = "localhost/pyspire-test/helm:latest"
KUBECTL_IMAGE = "localhost/pyspire-test/kubectl:latest"
# A pod annotated so ("HOST:PORT", or "80=HOST:PORT,8080=HOST:PORT") is port-forwarded by kwok to
# that real address: kwok simulates pods, so something real must answer a port-forward.
FORWARD_ANNOTATION = "pyspire.dev/forward-to"
# What k3s needs to run in podman, as the integration passes it (the stand-in needs less, but the
# tests run it the way the integration will run the real rancher/k3s).
K3S_RUN_ARGS: tuple[str, ...] = (
    "--privileged",
    "--cgroupns=host",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs",
    "/run",
)
# Every container, network and volume these tests create starts so (removed by name only).
PREFIX = "pyspire-k3stest-"


class ClusterError(AssertionError):
    """The test cluster did not come up (carries the container's log)."""


@functools.cache
def ensure_images() -> tuple[str, ...]:
    """Build (or confirm, from their hash labels) the three images, once per test session."""
    out = subprocess.run(["bash", str(_SCRIPT), "--print"], check=True, capture_output=True, text=True)
    return tuple(out.stdout.split())


def podman(*args: str, check: bool = True, timeout: float = 60) -> str:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise ClusterError(f"podman {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def unique(kind: str) -> str:
    return f"{PREFIX}{kind}-{secrets.token_hex(3)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A k3s-like server container on ``network``; its API published on a free loopback port.

    ``kubeconfig_path`` is the host variant (``https://127.0.0.1:<port>``) of the kubeconfig the
    server writes into a bind-mounted folder; :meth:`kubectl` runs the host kubectl with it."""

    def __init__(
        self,
        network: str,
        *,
        name: str | None = None,
        server_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        volume: str | None = None,
        kubeconfig_mode: str = "644",
        token: str | None = None,
    ) -> None:
        self.network = network
        self.name = name or unique("server")
        self.server_args = list(server_args)
        self.env = dict(env or {})
        self.volume = volume
        self.kubeconfig_mode = kubeconfig_mode
        self.token = token or secrets.token_hex(12)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix=PREFIX))
        self.output_dir = self.dir / "output"
        self.output_dir.mkdir()
        self.kubeconfig_path = self.dir / "kubeconfig.yaml"
        self.started_at = 0.0
        self.ready_after = 0.0
        self.agents: list[str] = []

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 90) -> Cluster:
        ensure_images()
        args = [
            "run", "-d", "--name", self.name, "--hostname", self.name, "--network", self.network,
            "--network-alias", self.name, *K3S_RUN_ARGS, "-p", f"127.0.0.1:{self.port}:6443",
            "-v", f"{self.output_dir}:/output", "-e", f"K3S_TOKEN={self.token}",
            "-e", "K3S_KUBECONFIG_OUTPUT=/output/kubeconfig.yaml", "-e", f"K3S_KUBECONFIG_MODE={self.kubeconfig_mode}",
        ]  # fmt: skip
        for key, value in self.env.items():
            args += ["-e", f"{key}={value}"]
        if self.volume:
            args += ["-v", f"{self.volume}:/var/lib/rancher/k3s"]
        (self.output_dir / "kubeconfig.yaml").unlink(missing_ok=True)
        self.started_at = time.monotonic()
        podman(*args, K3S_IMAGE, "server", "--tls-san", "127.0.0.1", *self.server_args)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 90) -> None:
        """Until the kubeconfig is written and every node (server plus agents) is Ready."""
        deadline = time.monotonic() + timeout
        written = self.output_dir / "kubeconfig.yaml"
        while time.monotonic() < deadline:
            if not self.running():
                raise ClusterError(f"server {self.name} exited:\n{self.logs()}")
            if written.exists() and written.stat().st_size > 0:
                self.write_host_kubeconfig()
                if len(self.ready_nodes()) >= 1 + len(self.agents):
                    self.ready_after = time.monotonic() - self.started_at
                    return
            time.sleep(0.2)
        raise ClusterError(f"server {self.name} not Ready after {timeout} s:\n{self.logs()}")

    def write_host_kubeconfig(self) -> None:
        config = yaml.safe_load((self.output_dir / "kubeconfig.yaml").read_text())
        for cluster in config["clusters"]:
            cluster["cluster"]["server"] = f"https://127.0.0.1:{self.port}"
        tmp = self.kubeconfig_path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(config))
        tmp.chmod(0o600)
        os.replace(tmp, self.kubeconfig_path)

    def running(self) -> bool:
        return podman("inspect", "--format", "{{.State.Running}}", self.name, check=False) == "true"

    def logs(self) -> str:
        result = subprocess.run(["podman", "logs", self.name], capture_output=True, text=True)
        return (result.stdout + result.stderr)[-6000:]

    def stop(self, timeout: int = 10) -> None:
        podman("stop", "-t", str(timeout), self.name, check=False)

    def close(self) -> None:
        for agent in self.agents:
            podman("rm", "-f", "-t", "0", agent, check=False)
        podman("rm", "-f", "-t", "0", self.name, check=False)
        subprocess.run(["rm", "-rf", str(self.dir)], check=False)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- agents ---------------------------------------------------------------------------------

    def start_agent(self, node_name: str | None = None) -> str:
        """An agent container joining this server; returns the node (and container) name."""
        name = node_name or unique("agent")
        podman(
            "run", "-d", "--name", name, "--hostname", name, "--network", self.network, *K3S_RUN_ARGS,
            "-e", f"K3S_URL=https://{self.name}:6443", "-e", f"K3S_TOKEN={self.token}", "-e", f"K3S_NODE_NAME={name}",
            K3S_IMAGE, "agent",
        )  # fmt: skip
        self.agents.append(name)
        return name

    # -- queries --------------------------------------------------------------------------------

    def kubectl(self, *args: str, check: bool = True, timeout: float = 60) -> str:
        result = subprocess.run(
            [kubectl_binary(), f"--kubeconfig={self.kubeconfig_path}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def get_json(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "-o", "json"))

    def nodes(self) -> dict[str, bool]:
        """Node name -> Ready."""
        try:
            items = self.get_json("nodes")["items"]
        except (ClusterError, ValueError):
            return {}
        return {
            n["metadata"]["name"]: any(
                c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", [])
            )
            for n in items
        }

    def ready_nodes(self) -> list[str]:
        return [name for name, ready in self.nodes().items() if ready]


@contextmanager
def server_on_own_network(*server_args: str) -> Iterator[Cluster]:
    """A Ready server on a network of its own, both removed by name afterwards."""
    ensure_images()
    network = unique("net")
    podman("network", "create", network)
    server = Cluster(network, server_args=list(server_args))
    try:
        server.start()
        yield server
    finally:
        server.close()
        podman("network", "rm", "-f", network, check=False)


def wait_for(what: str, check: Any, timeout: float = 60, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
