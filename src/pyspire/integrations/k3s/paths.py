"""Where a cluster's files live on the host: one folder per cluster under the app's state folder.

``raw/`` is bind-mounted into the k3s server, which writes its kubeconfig there
(``K3S_KUBECONFIG_OUTPUT``); pyspire derives ``host/kubeconfig.yaml`` (``https://localhost:<port>``,
for processes and the port-forwarder) and ``container/kubeconfig.yaml`` (``https://<name>:6443``,
whose *folder* is bind-mounted read-only into containers — Helm, kubectl, the user's own — so an
atomic rename on the host is seen inside; a single-file mount would pin the old inode). The
cluster's one API client keeps its client certificate and key in ``client/``. Every helper of
the integration takes its paths from here, so the folders are named once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Inside the server container: the folder ``raw/`` is mounted at, and the file k3s writes.
RAW_MOUNT = "/output"
RAW_FILE = "kubeconfig.yaml"
#: Inside a client container: the folder the container variant's folder is mounted at (read-only).
CONTAINER_KUBECONFIG_DIR = "/etc/pyspire/k3s"
#: Inside a client container: the file ``KUBECONFIG`` names.
CONTAINER_KUBECONFIG = f"{CONTAINER_KUBECONFIG_DIR}/kubeconfig.yaml"


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
    def host_dir(self) -> Path:
        return self.root / "host"

    @property
    def host_kubeconfig(self) -> Path:
        return self.host_dir / "kubeconfig.yaml"

    @property
    def container_dir(self) -> Path:
        """The folder containers get read-only at :data:`CONTAINER_KUBECONFIG_DIR`."""
        return self.root / "container"

    @property
    def container_kubeconfig(self) -> Path:
        return self.container_dir / "kubeconfig.yaml"

    @property
    def client_dir(self) -> Path:
        """The API client's certificate and key (PEM, 0600), while the client is open."""
        return self.root / "client"

    @property
    def derived_files(self) -> tuple[Path, ...]:
        """What pyspire writes (never the raw file k3s writes): removed when the cluster stops."""
        return (self.host_kubeconfig, self.container_kubeconfig)


def cluster_paths(app_dir: Path, cluster_name: str) -> ClusterPaths:
    """``<app>/.pyspire/k3s/<cluster>/``: beside the app's other state, the same at every run."""
    return ClusterPaths(app_dir / ".pyspire" / "k3s" / cluster_name)
