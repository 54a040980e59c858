"""What happens to a cluster's client and files when it stops, and after an app host was killed.

When a cluster stops (its ``stop`` command, or the app host stopping), its client is closed; a
session cluster's files — the derived kubeconfigs and the server's own — are removed, since the
next cluster will have another CA. A persistent cluster keeps running, and keeps its files (they
still work, for the user's own kubectl too); the next run re-derives them from the server's file.

An app host killed with SIGKILL removes nothing: the ``k3s`` app host service removes a session
cluster's leftover files at the next run's start, before any cluster starts, so nothing ever reads
a kubeconfig of a cluster that is gone. At the latest then; usually at once, at the stop.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.extensions import APP_HOST_SERVICES, AppHostServiceContext, AppHostSetup, ResourceStopped
from pyspire.integrations.k3s.client import close_client
from pyspire.integrations.k3s.kubeconfig import remove_files
from pyspire.integrations.k3s.resources import K3sClusterResource

SERVICE = "k3s"


async def cluster_stopped(event: ResourceStopped) -> None:
    """The ``ResourceStopped`` subscriber of every cluster."""
    cluster = event.resource
    assert isinstance(cluster, K3sClusterResource)
    await release(cluster)


async def release(cluster: K3sClusterResource) -> None:
    """Close the cluster's client; remove its files unless it outlives the app host."""
    cluster.outputs_published = False
    await close_client(cluster.paths)
    if not cluster.persistent:
        remove_files(cluster.paths, raw=True)


class ClusterFiles:
    """The app host service that cleans up after killed runs (at start) and after every cluster
    (at stop, once every resource is gone — a stop that dispatched no event included)."""

    name = SERVICE

    def __init__(self, clusters: Sequence[K3sClusterResource]) -> None:
        self.clusters = list(clusters)

    def routes(self) -> tuple[()]:
        return ()

    def telemetry_env(self) -> None:
        return None

    async def start(self, context: AppHostServiceContext) -> None:
        for cluster in self.clusters:
            if not cluster.persistent:
                remove_files(cluster.paths, raw=True)

    async def stop(self) -> None:
        for cluster in self.clusters:
            await release(cluster)


def cluster_files(setup: AppHostSetup) -> ClusterFiles | None:
    """The service, for an app that has clusters."""
    clusters = [r for r in setup.model.resources if isinstance(r, K3sClusterResource)]
    return ClusterFiles(clusters) if clusters else None


#: Remove the service's registration (a test that wants none).
unregister_service = APP_HOST_SERVICES.register(cluster_files, SERVICE)
