#!/usr/bin/env python3
"""Deploy-to-Available of ``examples/orders`` with ``pyspire deploy --target kubernetes`` on the test
control plane, against ``helm upgrade --install`` of the same published chart by hand, same run.

The cluster is the test control plane (``localhost/pyspire-test/k3s:latest``, kube-apiserver with
kwok running the pods; ``scripts/kube-images.sh``), the registry Debian's ``docker-registry`` on a
loopback port (``scripts/system-packages.sh``), helm and kubectl the host's of the k3s tests.

- **pyspire deploy**: from launching ``pyspire deploy --target kubernetes -o DIR --registry R
  --namespace NS examples/orders`` (interpreter start, publish, the values, the two image builds
  from cache, tagging and pushing the four references — already in the registry after the
  warm-up, so only checked —, ``helm upgrade --install --wait --wait-for-jobs`` with the
  workloads polled every second) until it exits, every Deployment Available, every StatefulSet
  ready and the migration Job complete. Then ``pyspire destroy`` (not timed).
- **helm by hand** (reference): ``helm upgrade --install`` of the same ``DIR/chart`` with the same
  ``deploy-values.yaml``, ``--wait --wait-for-jobs``, into a namespace of its own, until it exits.
  Then uninstalled (not timed).

The warm-up deployment stays until the end: its images hold the build cache (removing an image's
last name removes its layers, as destroy does). Each round deploys from a folder of its own into a
namespace of its own, with new volumes reserved for its claims (a released one does not bind again). Prints the median of ``--runs`` interleaved rounds and ``deploy / helm``.

    .venv/bin/python benchmarks/deploy_kubernetes.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.deploy.kube import LocalRegistry, tools_env  # noqa: E402
from tests.integrations.k3s.cluster import Cluster, server_on_own_network, unique  # noqa: E402
from tests.integrations.k3s.tools import helm_binary, kubectl_binary  # noqa: E402
from tests.publish.trees import copy_example  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), **tools_env()}
VOLUME = """apiVersion: v1
kind: PersistentVolume
metadata: {{name: {name}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  hostPath: {{path: /tmp/{name}}}
  claimRef: {{namespace: {namespace}, name: {claim}}}
"""


def reserve_volumes(cluster: Cluster, namespace: str) -> list[str]:
    """A volume for each claim of orders' StatefulSets in ``namespace``; their names."""
    names, documents = [], []
    for claim in ("pg-data-pg-0", "cache-data-cache-0"):
        name = unique("pv")
        names.append(name)
        documents.append(VOLUME.format(name=name, namespace=namespace, claim=claim))
    subprocess.run([kubectl_binary(), f"--kubeconfig={cluster.kubeconfig_path}", "apply", "-f", "-"],
                   input="---\n".join(documents), text=True, capture_output=True, check=True)  # fmt: skip
    return names


def pyspire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyspire", *args], env=ENV, capture_output=True, text=True, check=False)


def deploy_round(cluster: Cluster, registry: LocalRegistry, app: Path, folder: Path, namespace: str, keep: bool = False) -> float:
    """Seconds of one ``pyspire deploy``; then destroyed, unless ``keep``."""
    volumes = reserve_volumes(cluster, namespace)
    started = time.perf_counter()
    done = pyspire(
        "deploy", "--target", "kubernetes", "-o", str(folder), "--registry", registry.address, "--namespace", namespace,
        "--kubeconfig", str(cluster.kubeconfig_path), str(app),
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    if keep:
        return elapsed
    gone = pyspire("destroy", "--target", "kubernetes", "-o", str(folder))
    if gone.returncode != 0:
        raise SystemExit(gone.stdout + gone.stderr)
    cluster.kubectl("delete", "pv", *volumes, "--wait=false", check=False)
    return elapsed


def helm_round(cluster: Cluster, folder: Path, namespace: str) -> float:
    """The chart and values the last deploy wrote, installed by hand into ``namespace``."""
    volumes = reserve_volumes(cluster, namespace)
    helm = [helm_binary(), f"--kubeconfig={cluster.kubeconfig_path}"]
    started = time.perf_counter()
    done = subprocess.run(
        [*helm, "upgrade", "--install", "orders", str(folder / "chart"), "--namespace", namespace, "--create-namespace",
         "--wait", "--wait-for-jobs", "--timeout", "300s", "-f", str(folder / "deploy-values.yaml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    subprocess.run([*helm, "uninstall", "orders", "-n", namespace, "--wait"], capture_output=True, check=False)
    cluster.kubectl("delete", "namespace", namespace, "--wait=true", check=False, timeout=300)
    cluster.kubectl("delete", "pv", *volumes, "--wait=false", check=False)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"load average: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch, server_on_own_network("--disable", "traefik") as cluster:
        registry = LocalRegistry(Path(scratch) / "registry").start()
        try:
            app = copy_example("orders", Path(scratch))
            warm = Path(scratch) / "warm"
            # kept until the end: its images hold the build cache (destroying the last name of an
            # image removes its layers), so each round builds from cache and pushes what is there
            print(f"warm-up deploy (fills the build cache and the registry): {deploy_round(cluster, registry, app, warm, 'warm', keep=True):.2f} s")
            deploys, hands = [], []
            for index in range(runs):
                folder = Path(scratch) / f"deploy-{index}"
                deploys.append(deploy_round(cluster, registry, app, folder, f"deploy-{index}"))
                # the folder keeps the chart and the values of that deploy (destroy leaves the files)
                hands.append(helm_round(cluster, folder, f"helm-{index}"))
        finally:
            pyspire("destroy", "--target", "kubernetes", "-o", str(Path(scratch) / "warm"))
            registry.stop()
    deploy, hand = statistics.median(deploys), statistics.median(hands)
    print(f"pyspire deploy → Available: median {deploy:.2f} s  (runs: {', '.join(f'{d:.2f}' for d in deploys)})")
    print(f"helm by hand   → Available: median {hand:.2f} s  (runs: {', '.join(f'{h:.2f}' for h in hands)})")
    print(f"deploy / helm: {deploy / hand:.2f}")


if __name__ == "__main__":
    main()
