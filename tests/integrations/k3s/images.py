"""TEMPORARY until the cplane harness (tests/integrations/k3s/cluster.py) is on main: the test
images' names, and a check that they were built."""

from __future__ import annotations

import subprocess

K3S_IMAGE = "localhost/pyspire-test/k3s:latest"
HELM_IMAGE = "localhost/pyspire-test/helm:latest"
KUBECTL_IMAGE = "localhost/pyspire-test/kubectl:latest"


def podman(*args: str, check: bool = True) -> str:
    out = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=60)
    assert not check or out.returncode == 0, out.stderr
    return out.stdout


def ensure_images() -> None:
    for image in (K3S_IMAGE, HELM_IMAGE, KUBECTL_IMAGE):
        podman("image", "exists", image)
