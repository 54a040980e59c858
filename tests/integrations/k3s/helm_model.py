"""Shared by the Helm/manifest tests: the fixtures' folders and a cluster checked without running."""

from __future__ import annotations

from pathlib import Path

from pyspire import DistributedApplication, DistributedApplicationBuilder
from pyspire.integrations.k3s import K3sClusterBuilder

CHARTS = Path(__file__).parent / "charts"
MANIFESTS = Path(__file__).parent / "manifests"


def model_cluster(app_dir: Path, name: str = "kube") -> tuple[DistributedApplicationBuilder, K3sClusterBuilder]:
    b = DistributedApplication.create_builder(app_dir=app_dir)
    return b, b.add_k3s_cluster(name)
