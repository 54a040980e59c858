"""The kubeconfig that points kubectl (or any Kubernetes client) at the app host's object API.

Written as JSON, which is YAML too, so no YAML library is needed; mode 0600 because it holds the
run's token. The server is plain HTTP on loopback: the token, not TLS, keeps other users out, as
with every other client of the control API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyspire.runtime.files import write_json_atomic

KUBECONFIG_FILE = "kubeconfig"


def kubeconfig(server_url: str, token: str, name: str) -> dict[str, Any]:
    context = f"pyspire-{name}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server_url}}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path: Path, server_url: str, token: str, name: str) -> Path:
    """Write atomically (temp file, then rename), readable only by the user."""
    write_json_atomic(path, kubeconfig(server_url, token, name), indent=2)
    return path


def remove_kubeconfig(path: Path, server_url: str) -> None:
    """Remove the file if it still points at ``server_url`` (another app host in the same folder
    may have written its own since)."""
    try:
        data = json.loads(path.read_text())
        if data["clusters"][0]["cluster"]["server"] == server_url:
            path.unlink()
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        pass
