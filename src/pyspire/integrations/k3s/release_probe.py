"""Is a Helm release still deployed? Asked of the cluster's API before an unchanged release is
skipped, so a release someone uninstalled (or a cluster recreated empty) is installed again.

Helm 3 and 4 keep each revision in a Secret labelled ``owner=helm,name=<release>,status=<status>``
in the release's namespace: one list call with that selector and ``limit=1`` answers, without a
Helm container or the whole release history. How the call reaches the API is given
(:data:`GetJson`): the cluster's own client when it has one, else :func:`kubeconfig_get_json`.
"""

from __future__ import annotations

import base64
import ssl
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from pyspire.integrations.k3s.helm_args import HelmRelease

#: ``await get_json("/api/v1/...")``: the decoded JSON body of a GET to the cluster's API.
GetJson = Callable[[str], Awaitable[Any]]


def deployed_secrets_path(release: HelmRelease) -> str:
    """The list call that finds the release's deployed revision (one item at most)."""
    selector = quote(f"owner=helm,name={release.name},status=deployed", safe="")
    return f"/api/v1/namespaces/{quote(release.namespace, safe='')}/secrets?labelSelector={selector}&limit=1"


async def release_deployed(get_json: GetJson, release: HelmRelease) -> bool:
    """``True`` when the API shows a deployed revision; any error (API down, credentials stale,
    namespace gone) is "not known to be deployed", so Helm runs and says what is wrong itself."""
    try:
        body = await get_json(deployed_secrets_path(release))
    except Exception:  # noqa: BLE001 - every failure means "install again", never a crash
        return False
    return isinstance(body, dict) and bool(body.get("items"))


def _ssl_context(user: dict[str, Any], cluster: dict[str, Any]) -> ssl.SSLContext:
    ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
    context = ssl.create_default_context(cadata=ca)
    with tempfile.TemporaryDirectory(prefix="pyspire-helm-probe-") as folder:  # 0700, removed at once
        cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
        key.write_bytes(base64.b64decode(user["client-key-data"]))
        context.load_cert_chain(cert, key)
    return context


def kubeconfig_get_json(kubeconfig: Path) -> GetJson:
    """A :data:`GetJson` from a host kubeconfig with client certificates (what k3s writes): a
    client made for the call and closed after it — one call per start of the release, not a
    client per tick. A cluster with a long-lived client should give that one instead."""

    async def get_json(path: str) -> Any:
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        async with httpx.AsyncClient(verify=_ssl_context(user, cluster), timeout=5.0) as client:
            response = await client.get(cluster["server"].rstrip("/") + path)
            response.raise_for_status()
            return response.json()

    return get_json
