"""The cluster's health check: the API answers and every expected node is Ready.

Each run of the check (every 0.5 s until healthy, then every 5 s) brings the derived kubeconfigs
up to date with the file the server wrote — a write only when a byte changed — and uses the
cluster's one client (:mod:`pyspire.integrations.k3s.client`), rebuilt only when the credentials
changed. ``/readyz`` says the API server is serving; ``/api/v1/nodes`` says which nodes are
Ready: the server's and each agent's. Once both hold, the kubeconfig paths are published as the
cluster's outputs, which is what referencing resources wait for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspire.extensions import HealthCheckContext
from pyspire.integrations.imports import import_off_loop
from pyspire.integrations.k3s.client import client_for
from pyspire.integrations.k3s.errors import ApiUnavailable, InvalidKubeconfig, StaleCredentials
from pyspire.integrations.k3s.kubeconfig import derive, host_server
from pyspire.integrations.k3s.paths import CONTAINER_KUBECONFIG
from pyspire.integrations.k3s.resources import (
    CONTAINER_KUBECONFIG_OUTPUT,
    KUBECONFIG_OUTPUT,
    K3sClusterResource,
)

CHECK = "k3s-ready"
#: Until healthy: often enough that dependents start soon after the nodes are Ready, rarely
#: enough that a starting server is not asked 10 times a second.
UNHEALTHY_INTERVAL = 0.5
HEALTHY_INTERVAL = 5.0


async def cluster_ready(ctx: HealthCheckContext) -> str | None:
    """``None`` (healthy) once the API answers and all nodes are Ready; otherwise what is missing."""
    cluster = ctx.resource
    assert isinstance(cluster, K3sClusterResource)
    paths = cluster.paths
    port = int(await ctx.resolve(cluster.endpoint.port))
    try:
        derived = derive(paths, cluster.name, port)
    except InvalidKubeconfig as exc:
        return f"{exc}; waiting for the server to write it again"
    if derived is None:
        return f"waiting for the server to write its kubeconfig ({paths.raw_kubeconfig})"
    for path in derived.written:
        ctx.log(f"kubeconfig written: {path}")
    await import_off_loop("httpx")
    client, new = await client_for(paths, derived.credentials, host_server(port))
    if new and cluster.outputs_published:
        ctx.log("the cluster's credentials changed (recreated): its API client was rebuilt")
    try:
        await client.get_text("/readyz")
        nodes = await client.get_json("/api/v1/nodes")
    except StaleCredentials as exc:
        return f"{exc}; waiting for the server's new kubeconfig"
    except ApiUnavailable as exc:
        return str(exc)
    ready, not_ready = node_readiness(nodes)
    if len(ready) < cluster.expected_nodes:
        waiting = f"; not Ready: {', '.join(not_ready)}" if not_ready else ""
        return f"{len(ready)} of {cluster.expected_nodes} nodes Ready{waiting}"
    if not cluster.outputs_published:
        ctx.set_output(KUBECONFIG_OUTPUT, str(paths.host_kubeconfig))
        ctx.set_output(CONTAINER_KUBECONFIG_OUTPUT, CONTAINER_KUBECONFIG)
        cluster.outputs_published = True
    return None


def node_readiness(node_list: Any) -> tuple[list[str], list[str]]:
    """The names of the Ready nodes and of the others, from a ``NodeList``."""
    ready: list[str] = []
    not_ready: list[str] = []
    items = node_list.get("items", []) if isinstance(node_list, Mapping) else []
    for node in items if isinstance(items, list) else []:
        name = str(node.get("metadata", {}).get("name", "?"))
        conditions = node.get("status", {}).get("conditions") or []
        is_ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
        (ready if is_ready else not_ready).append(name)
    return ready, not_ready
