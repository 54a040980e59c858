"""Where a cluster's files live on the host: one folder per cluster under the app's state folder.

``raw/`` is bind-mounted into the k3s server, which writes its kubeconfig there
(``K3S_KUBECONFIG_OUTPUT``); pyspire derives ``host/kubeconfig.yaml`` (``https://localhost:<port>``,
for processes and the port-forwarder) and ``container/kubeconfig.yaml`` (``https://<name>:6443``,
bind-mounted read-only into containers: Helm, kubectl, the user's own). Every helper of the
integration takes its paths from here, so the folders are named once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Inside the server container: the folder ``raw/`` is mounted at, and the file k3s writes.
RAW_MOUNT = "/output"
RAW_FILE = "kubeconfig.yaml"
#: Inside a client container: where the container variant is mounted read-only.
CONTAINER_KUBECONFIG = "/etc/pyspire/kubeconfig.yaml"


@dataclass(frozen=True)
class ClusterPaths:
    """The host-side files of one cluster."""

    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def raw_kubeconfig(self) -> Path:
        return self.raw_dir / RAW_FILE

    @property
    def host_kubeconfig(self) -> Path:
        return self.root / "host" / "kubeconfig.yaml"

    @property
    def container_kubeconfig(self) -> Path:
        return self.root / "container" / "kubeconfig.yaml"


def cluster_paths(app_dir: Path, cluster_name: str) -> ClusterPaths:
    """``<app>/.pyspire/k3s/<cluster>/``: beside the app's other state, the same at every run."""
    return ClusterPaths(app_dir / ".pyspire" / "k3s" / cluster_name)
