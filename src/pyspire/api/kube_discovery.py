"""What the object API serves, as Kubernetes discovery describes it.

kubectl learns the resources it can name from discovery: ``/api`` (the core group, which pyspire
does not have), ``/apis`` (the groups: ``pyspire.dev``) and ``/apis/pyspire.dev/v1`` (each
kind's plural, short names and verbs). kubectl 1.32 first asks for *aggregated* discovery in its
``Accept`` header; answering the classic documents as plain ``application/json`` is allowed and
makes client-go fall back to them, so only those are served.

Every kind (each :class:`~pyspire.orchestrator.kinds.KindSpec` of the registry) is
cluster-scoped, as in Aspire's orchestrator (DCP): objects have no namespace.
"""

from __future__ import annotations

from typing import Any

from pyspire.orchestrator.kinds import KindRegistry
from pyspire.orchestrator.store import API_GROUP, API_VERSION

VERSION = "v1"
VERBS = ("get", "list", "watch", "patch", "delete")
CATEGORIES = ("all", "pyspire")
#: The Kubernetes release whose API conventions this API follows (reported by ``/version``,
#: which kubectl reads to warn about version skew).
KUBERNETES_MAJOR, KUBERNETES_MINOR = "1", "32"


def api_versions() -> dict[str, Any]:
    """``GET /api``: no core group (client-go then simply has none)."""
    return {"kind": "APIVersions", "versions": [], "serverAddressByClientCIDRs": []}


def _group() -> dict[str, Any]:
    version = {"groupVersion": API_VERSION, "version": VERSION}
    return {"name": API_GROUP, "versions": [version], "preferredVersion": version}


def api_group_list() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group()]}


def api_group() -> dict[str, Any]:
    return {"kind": "APIGroup", "apiVersion": "v1", **_group()}


def api_resource_list(kinds: KindRegistry) -> dict[str, Any]:
    """Every registered kind (kubectl only sees this group, so short names cannot clash with
    the core ones)."""
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": API_VERSION,
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
            for r in kinds
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
