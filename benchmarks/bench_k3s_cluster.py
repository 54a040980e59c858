#!/usr/bin/env python3
"""Benchmark a k3s cluster's start → healthy under pyspire, against podman by hand, same run.

The image is the test control plane ``localhost/pyspire-test/k3s:latest`` (``scripts/kube-images.sh``:
a real kube-apiserver, controller manager, scheduler, kine and kwok; nothing is pulled).

Per round (``--runs``, default 3, the two variants alternately, the order swapped every round;
medians printed):

* **pyspire**: ``add_k3s_cluster("bench")`` with the image overridden, run through
  ``pyspire.testing.start``, from entering the app until the cluster is Healthy — its kubeconfig
  derived, ``/readyz`` answering and its node Ready, through the cluster's one API client — then
  the time until the app host has stopped (container removed, kubeconfigs removed).
* **podman by hand** (the reference, ``tests/integrations/k3s/cluster.py``): ``podman run`` with
  the same flags, then polling for the kubeconfig and ``kubectl get nodes`` until the node is
  Ready (every 0.2 s); then ``podman rm -f``.

``pyspire - podman`` is what the orchestrator adds on top of the control plane's own start.

Usage: ``.venv/bin/python benchmarks/bench_k3s_cluster.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks._common import machine_note  # noqa: E402
from tests.integrations.k3s.cluster import K3S_IMAGE, Cluster, ensure_images, podman, unique  # noqa: E402

from pyspire import DistributedApplication, testing  # noqa: E402


async def pyspire_round() -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="pyspire-bench-k3s-") as folder:
        b = DistributedApplication.create_builder(app_dir=Path(folder))
        b.add_k3s_cluster("bench").with_image(K3S_IMAGE).with_image_pull_policy("never").with_stop_grace_period(5)
        started = time.monotonic()
        async with testing.start(b) as app:
            await app.wait_for_healthy("bench", timeout=180)
            healthy = time.monotonic() - started
            stopping = time.monotonic()
        return healthy, time.monotonic() - stopping


def podman_round(network: str) -> tuple[float, float]:
    cluster = Cluster(network)
    started = time.monotonic()
    cluster.start(timeout=180)
    healthy = time.monotonic() - started
    stopping = time.monotonic()
    cluster.close()
    return healthy, time.monotonic() - stopping


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    ensure_images()
    network = unique("bench-net")
    podman("network", "create", network)
    figures: dict[str, list[tuple[float, float]]] = {"pyspire": [], "podman": []}
    try:
        for i in range(runs):
            order = ("pyspire", "podman") if i % 2 == 0 else ("podman", "pyspire")
            for variant in order:
                result = asyncio.run(pyspire_round()) if variant == "pyspire" else podman_round(network)
                figures[variant].append(result)
                print(f"round {i + 1} {variant:8} healthy {result[0]:6.2f} s  stop {result[1]:5.2f} s", flush=True)
    finally:
        podman("network", "rm", "-f", network, check=False)
    med = {v: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)) for v, rs in figures.items()}
    print(f"\nmedian start -> healthy: pyspire {med['pyspire'][0]:.2f} s, podman by hand {med['podman'][0]:.2f} s, "
          f"pyspire - podman {med['pyspire'][0] - med['podman'][0]:+.2f} s")
    print(f"median stop: pyspire {med['pyspire'][1]:.2f} s, podman rm -f {med['podman'][1]:.2f} s")
    print(machine_note())


if __name__ == "__main__":
    main()
