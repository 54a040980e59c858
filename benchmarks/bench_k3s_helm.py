#!/usr/bin/env python3
"""Benchmark a Helm release child's duration against running helm by hand, same cluster, same run.

The cluster is the test control plane ``localhost/pyspire-test/k3s:latest`` and the Helm image
``localhost/pyspire-test/helm:latest`` (``scripts/kube-images.sh``; nothing is pulled). The chart
is the tests' local chart ``tests/integrations/k3s/charts/web`` (a Deployment and a Service).

Per round (``--runs``, default 3; medians printed), one app host with a cluster and one release:

* **pyspire install**: from the cluster being Healthy to the ``web`` child Finished — the child's
  container started with the chart and values mounted, ``helm upgrade --install --wait`` run to
  completion, its stamp written.
* **helm by hand** (the reference), while the same cluster runs: the host's helm (the same 4.2
  static binary the image holds) running ``helm upgrade --install --wait`` of the same chart and
  values as another release, with the cluster's host kubeconfig.
* **pyspire unchanged**: a second start of the same app (the cluster on the same data volume, so
  the release is still deployed): from Healthy to the child Finished without reinstalling.

``install / helm`` is what running Helm as a pyspire child costs over Helm itself (a container
start); ``unchanged`` is what an unchanged release costs at each start.

Usage: ``.venv/bin/python benchmarks/bench_k3s_helm.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks._common import machine_note  # noqa: E402
from tests.integrations.k3s.cluster import HELM_IMAGE, K3S_IMAGE, ensure_images, podman, unique  # noqa: E402
from tests.integrations.k3s.helm_model import CHARTS  # noqa: E402
from tests.integrations.k3s.tools import helm_binary  # noqa: E402

from pyspire import DistributedApplication, testing  # noqa: E402

TIMEOUT = 180
VALUES = {"greeting": "bench"}


def app(folder: Path, volume: str) -> DistributedApplication:
    b = DistributedApplication.create_builder(app_dir=folder)
    cluster = (b.add_k3s_cluster("benchk").with_image(K3S_IMAGE).with_image_pull_policy("never")
               .with_stop_grace_period(5).with_data_volume(volume))
    cluster.add_helm_release("web", str(CHARTS / "web")).with_image(HELM_IMAGE).with_values(VALUES).with_timeout("2m")
    return b


async def child_seconds(folder: Path, volume: str, by_hand: bool) -> tuple[float, float | None]:
    """Seconds from the cluster Healthy to the release child Finished; with ``by_hand``, also the
    seconds the host's helm takes to install the same chart into the same cluster."""
    async with testing.start(app(folder, volume)) as running:
        await running.wait_for_healthy("benchk", timeout=TIMEOUT)
        healthy = time.monotonic()
        snapshot = await running.wait_for_resource("web", "Finished", timeout=TIMEOUT)
        child = time.monotonic() - healthy
        if snapshot.exit_code != 0:
            raise SystemExit(f"the Helm child failed:\n{running.log_text('web')}")
        reference = None
        if by_hand:
            kubeconfig = folder / ".pyspire" / "k3s" / "benchk" / "host" / "kubeconfig.yaml"
            started = time.monotonic()
            subprocess.run(
                [helm_binary(), f"--kubeconfig={kubeconfig}", "upgrade", "--install", "--wait", "--timeout", "2m",
                 "web-by-hand", str(CHARTS / "web"), "--set", f"greeting={VALUES['greeting']}"],
                check=True, capture_output=True, timeout=TIMEOUT,
            )
            reference = time.monotonic() - started
        return child, reference


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    ensure_images()
    installs: list[float] = []
    by_hand: list[float] = []
    unchanged: list[float] = []
    for i in range(runs):
        volume = unique("bench-helm")
        try:
            with tempfile.TemporaryDirectory(prefix="pyspire-bench-helm-") as name:
                folder = Path(name)
                install, reference = asyncio.run(child_seconds(folder, volume, by_hand=True))
                again, _ = asyncio.run(child_seconds(folder, volume, by_hand=False))
        finally:
            podman("volume", "rm", "-f", volume, check=False)
        assert reference is not None
        installs.append(install)
        by_hand.append(reference)
        unchanged.append(again)
        print(f"round {i + 1}: pyspire install {install:5.2f} s  helm by hand {reference:5.2f} s  "
              f"pyspire unchanged {again:5.2f} s", flush=True)
    install, reference, again = (statistics.median(v) for v in (installs, by_hand, unchanged))
    print(f"\nmedian Helm install: pyspire child {install:.2f} s, helm by hand {reference:.2f} s, "
          f"ratio {install / reference:.2f}x")
    print(f"median unchanged release at the next start: {again:.2f} s ({again / reference:.2f}x helm's install)")
    print(machine_note())


if __name__ == "__main__":
    main()
