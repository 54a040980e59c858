"""What the object API serves, as Kubernetes discovery describes it.

kubectl learns the resources it can name from discovery: ``/api`` (the core group, which pyspire
does not have), ``/apis`` (the groups: ``pyspire.dev``, and any group a registered kind brings)
and ``/apis/<group>/<version>`` (each kind's plural, short names and verbs). kubectl 1.32 first
asks for *aggregated* discovery in its ``Accept`` header; answering the classic documents as
plain ``application/json`` is allowed and makes client-go fall back to them, so only those are
served.

Every kind (each :class:`~pyspire.orchestrator.kinds.KindSpec` of the registry) is
cluster-scoped, as in Aspire's orchestrator (DCP): objects have no namespace.
"""

from __future__ import annotations

from typing import Any

from pyspire.orchestrator.kinds import KindRegistry
from pyspire.orchestrator.store import API_GROUP

VERSION = "v1"
VERBS = ("get", "list", "watch", "patch", "delete")
CATEGORIES = ("all", "pyspire")
#: The Kubernetes release whose API conventions this API follows (reported by ``/version``,
#: which kubectl reads to warn about version skew).
KUBERNETES_MAJOR, KUBERNETES_MINOR = "1", "32"


def api_versions() -> dict[str, Any]:
    """``GET /api``: no core group (client-go then simply has none)."""
    return {"kind": "APIVersions", "versions": [], "serverAddressByClientCIDRs": []}


def _group(group: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def api_group_list(kinds: KindRegistry) -> dict[str, Any]:
    """``GET /apis``: every group a registered kind belongs to."""
    groups = [_group(g, versions) for g, versions in kinds.group_versions().items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(kinds: KindRegistry, group: str) -> dict[str, Any] | None:
    """``GET /apis/<group>`` (None: no such group)."""
    versions = kinds.group_versions().get(group)
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)} if versions else None


def api_resource_list(
    kinds: KindRegistry, group: str = API_GROUP, version: str = VERSION
) -> dict[str, Any] | None:
    """``GET /apis/<group>/<version>``: the kinds served there (None: nothing is). kubectl
    only sees these groups, so short names cannot clash with the core ones."""
    specs = kinds.in_group_version(group, version)
    if not specs:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}",
        "resources": [
            {
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": False,
                "kind": r.kind,
                "verbs": list(VERBS),
                "shortNames": list(r.short_names),
                "categories": list(CATEGORIES),
            }
            for r in specs
        ],
    }


def version_info(pyspire_version: str) -> dict[str, str]:
    """``GET /version``. kubectl compares major/minor with its own to warn about skew, so they
    name the Kubernetes API release these conventions follow; gitVersion says it is pyspire."""
    return {
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "gitVersion": f"v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}.0+pyspire.{pyspire_version}",
        "gitCommit": "",
        "gitTreeState": "",
        "buildDate": "",
        "goVersion": "",
        "compiler": "",
        "platform": "pyspire",
    }
