"""Shared by the Helm/manifest model tests: a cluster builder made of the release and manifest
mixins over a plain container (what ``K3sClusterBuilder`` adds them to), checked without running."""

from __future__ import annotations

from pathlib import Path

from pyspire import DistributedApplication
from pyspire.integrations.k3s.helm import HelmReleaseMethods
from pyspire.integrations.k3s.manifests import ManifestMethods
from pyspire.integrations.k3s.paths import ClusterPaths, cluster_paths
from pyspire.model.containers import ContainerImageAnnotation
from pyspire.model.resources import ContainerResource

CHARTS = Path(__file__).parent / "charts"
MANIFESTS = Path(__file__).parent / "manifests"


class ModelCluster(HelmReleaseMethods, ManifestMethods):
    """The two mixins on a container builder whose ``paths`` are the cluster's folders."""

    @property
    def paths(self) -> ClusterPaths:
        return cluster_paths(self.app.resolve_path("."), self.resource.name)


def model_cluster(app_dir: Path, name: str = "kube") -> tuple[object, ModelCluster]:
    b = DistributedApplication.create_builder(app_dir=app_dir)
    resource = ContainerResource(name, ContainerImageAnnotation("localhost/pyspire-test/k3s", "latest"))
    cluster = ModelCluster(b, resource)
    b.add_resource(cluster)
    cluster.with_https_endpoint(target_port=6443)
    return b, cluster
