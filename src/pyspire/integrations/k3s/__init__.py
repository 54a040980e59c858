"""k3s in the inner loop: a cluster container, Helm releases, manifests and port-forwarded services.

``K3sBuilderMethods`` gives the app's builder ``add_k3s_cluster``::

    k8s = builder.add_k3s_cluster("k8s").with_agents(1).with_disabled_component("traefik")
    builder.add_executable("deploy", "kubectl", ".", "get", "nodes").with_reference(k8s).wait_for(k8s)
    k8s.add_helm_release("web", "./charts/web").with_values({"replicaCount": 2})
    k8s.add_manifest("crds", "./k8s/crds")

Helm releases and manifests are run-to-completion children of the cluster (Helm / kubectl
containers; :mod:`~pyspire.integrations.k3s.helm`, :mod:`~pyspire.integrations.k3s.manifests`).

A process referencing ``k8s`` receives ``KUBECONFIG`` (the host variant, ``https://localhost:<port>``);
a container receives the container variant (``https://k8s:6443``), its folder mounted read-only
at ``/etc/pyspire/k3s``. Importing this package registers the ``k3s`` app host service that
removes a session cluster's files (:mod:`pyspire.integrations.k3s.lifecycle`).
"""

from __future__ import annotations

from pyspire.integrations.k3s.builder import K3sBuilderMethods, K3sClusterBuilder
from pyspire.integrations.k3s.client import ClusterClient, cluster_client
from pyspire.integrations.k3s.errors import ApiUnavailable, InvalidKubeconfig, StaleCredentials
from pyspire.integrations.k3s.helm import HelmReleaseBuilder, HelmReleaseResource
from pyspire.integrations.k3s.manifests import ManifestBuilder, ManifestStepResource
from pyspire.integrations.k3s.paths import ClusterPaths
from pyspire.integrations.k3s.resources import K3sAgentResource, K3sClusterResource

__all__ = [
    "ApiUnavailable",
    "ClusterClient",
    "ClusterPaths",
    "HelmReleaseBuilder",
    "HelmReleaseResource",
    "InvalidKubeconfig",
    "K3sAgentResource",
    "K3sBuilderMethods",
    "K3sClusterBuilder",
    "K3sClusterResource",
    "ManifestBuilder",
    "ManifestStepResource",
    "StaleCredentials",
    "cluster_client",
]
