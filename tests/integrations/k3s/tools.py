"""The host helm and kubectl the k3s tests run: installed by scripts/kube-tools.sh (cached by version
outside the checkout), found by asking that script, so a test never skips for want of them."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

_SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "kube-tools.sh"


@functools.cache
def kube_tools_dir() -> Path:
    """The folder holding ``helm`` and ``kubectl`` (installed on first use)."""
    out = subprocess.run(["bash", str(_SCRIPT), "--print-dir"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def helm_binary() -> str:
    return str(kube_tools_dir() / "helm")


def kubectl_binary() -> str:
    return str(kube_tools_dir() / "kubectl")
