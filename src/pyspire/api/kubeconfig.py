"""The kubeconfig that points kubectl (or any Kubernetes client) at the app host's object API.

Written as JSON, which is YAML too, so no YAML library is needed; mode 0600 because it holds the
run's token. It names the HTTPS listener: client-go sends a bearer token only over TLS (over plain
HTTP kubectl sends no credentials and gets "You must be logged in"), so the cluster entry carries
the app host's own CA (``certificate-authority-data``) and the user entry the token.

Several app hosts in one folder share the file (each of another ``apphost.py``), so it is written
and removed under its lock, and an app host removes it only while it is still its own: a
kubeconfig another app host wrote meanwhile stays. One left by a killed app host is removed by
its reaper or the next run (it holds the dead run's token).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyspire.api.tls import SAN_DNS, SAN_IPS
from pyspire.runtime.files import exclusive, remove_if, write_json_atomic
from pyspire.runtime.state_dir import KUBECONFIG_FILE

__all__ = ["KUBECONFIG_FILE", "kubeconfig", "remove_kubeconfig", "write_kubeconfig"]


def kubeconfig(server_url: str, token: str, name: str, ca_pem: bytes | None = None) -> dict[str, Any]:
    context = f"pyspire-{name}"
    cluster: dict[str, Any] = {"server": server_url}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode("ascii")
        host = urlsplit(server_url).hostname
        if host not in (*SAN_IPS, *SAN_DNS):
            # PYSPIRE_API_HOST names an address the certificate does not: verify it as localhost.
            cluster["tls-server-name"] = SAN_DNS[0]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path: Path, server_url: str, token: str, name: str, ca_pem: bytes | None = None) -> Path:
    """Write atomically (temp file, then rename), readable only by the user."""
    with exclusive(path):
        write_json_atomic(path, kubeconfig(server_url, token, name, ca_pem), indent=2)
    return path


def remove_kubeconfig(path: Path, server_url: str) -> None:
    """Remove the file if it still points at ``server_url``: checked and removed under the
    file's lock, so a kubeconfig another app host has just written is never the one removed."""
    remove_if(path, lambda config: config["clusters"][0]["cluster"]["server"] == server_url)
