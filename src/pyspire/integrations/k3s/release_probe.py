"""Is a Helm release still deployed? Asked of the cluster's API before an unchanged release is
skipped, so a release someone uninstalled (or a cluster recreated empty) is installed again.

Helm 3 and 4 keep each revision in a Secret labelled ``owner=helm,name=<release>,status=<status>``
in the release's namespace: one list call with that selector and ``limit=1`` answers, without a
Helm container or the whole release history. How the call reaches the API is given
(:data:`GetJson`): through the cluster's one client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

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
